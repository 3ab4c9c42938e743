"""The pages a party (a dealer or a supplier) has on its settlement statements; the dealer's
and the supplier's URLconfs (views_dealer.py, views_supplier.py) bind them to a namespace.

Everything is read from the public tables and filtered by ``request.tenant``: a statement of
another party answers 404 on every page, export and action. Staff and up see the pages; managers
and up confirm or dispute.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import BACKOFFICE_LAYOUTS, TenantBackofficeMixin
from settlement import exports, selectors, services
from settlement.forms import DisputeForm
from settlement.models import StatementStatus

LIST_PAGE_SIZE = 25
LINE_PAGE_SIZE = 50
URL_NAMES = (
    "dashboard",
    "statement-list",
    "statement-detail",
    "statement-confirm",
    "statement-dispute",
    "statement-export-csv",
    "statement-export-xlsx",
)


class PartyPageMixin(TenantBackofficeMixin):
    """A settlement page of the request's tenant, which must be of ``party``'s type."""

    party: str = ""  # "dealer" or "supplier"
    namespace: str = ""
    required_role = Role.STAFF

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != self.party:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.namespace}:{name}", args=args or None)

    def context(self, **extra) -> dict:
        return {
            "backoffice_layout": BACKOFFICE_LAYOUTS[self.party],
            "party": self.party,
            "urls": {name.replace("-", "_"): f"{self.namespace}:{name}" for name in URL_NAMES},
            **extra,
        }


class StatementMixin(PartyPageMixin):
    """A page about one statement of the request's tenant: any other answers 404, whatever the
    method (looked up before the method is dispatched)."""

    def dispatch(self, request, *args, **kwargs):
        user, tenant = request.user, getattr(request, "tenant", None)
        if (
            user.is_authenticated
            and user.has_role(self.required_role)
            and tenant is not None
            and tenant.type == self.party
        ):
            statement = selectors.statement_get(
                party=self.party, tenant_id=tenant.pk, statement_id=kwargs["pk"]
            )
            if statement is None:
                raise Http404
            self.statement = statement
        return super().dispatch(request, *args, **kwargs)


class DashboardView(PartyPageMixin, View):
    """Earnings to date (a dealer) or payables (a supplier), the balance the ledger holds now,
    and the last 12 periods as bars."""

    def get(self, request):
        dashboard = selectors.party_dashboard(party=self.party, tenant_id=request.tenant.pk)
        referral = None
        if self.party == "dealer":  # buyers attributed to the dealer's referral link
            from network.referral import referral_stats

            referral = referral_stats(dealer_id=request.tenant.pk)
        return render(
            request,
            "settlement/dashboard.html",
            self.context(dashboard=dashboard, referral=referral),
        )


class StatementListView(PartyPageMixin, View):
    def get(self, request):
        statements = selectors.statement_list(party=self.party, tenant_id=request.tenant.pk)
        page = Paginator(statements, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "settlement/statement_list.html",
            self.context(page_obj=page, statements=page.object_list),
        )


class StatementDetailView(StatementMixin, View):
    """Totals, and the drill-down: the settled order lines (paginated), clawbacks, rebates,
    override commissions and task rewards."""

    def get(self, request, pk: int):
        return self.render_page(request, self.statement)

    def render_page(self, request, statement, *, dispute_form=None, status=200):
        lines = Paginator(selectors.statement_lines(statement=statement), LINE_PAGE_SIZE)
        page = lines.get_page(request.GET.get("page"))
        may_act = request.user.has_role(Role.MANAGER) and statement.status == StatementStatus.ISSUED
        return render(
            request,
            "settlement/statement_detail.html",
            self.context(
                statement=statement,
                page_obj=page,
                lines=page.object_list,
                adjustments=list(selectors.statement_adjustments(statement=statement)),
                rebates=list(selectors.statement_rebates(statement=statement)),
                overrides=selectors.statement_overrides(statement=statement),
                rewards=list(selectors.statement_rewards(statement=statement)),
                may_act=may_act,
                dispute_form=dispute_form or (DisputeForm() if may_act else None),
            ),
            status=status,
        )


class StatementConfirmView(StatementMixin, View):
    required_role = Role.MANAGER
    http_method_names = ["post"]

    def post(self, request, pk: int):
        statement = self.statement
        try:
            services.statement_confirm(
                statement_id=statement.pk, tenant=request.tenant, actor=request.user
            )
        except services.StatementError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("You confirmed the statement."))
        return HttpResponseRedirect(self.url("statement-detail", statement.pk))


class StatementDisputeView(StatementDetailView):
    required_role = Role.MANAGER
    http_method_names = ["post"]

    def post(self, request, pk: int):
        statement = self.statement
        form = DisputeForm(request.POST)
        if form.is_valid():
            try:
                services.statement_dispute(
                    statement_id=statement.pk,
                    tenant=request.tenant,
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                )
            except services.StatementError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("You disputed the statement; the platform will resolve it.")
                )
            return HttpResponseRedirect(self.url("statement-detail", statement.pk))
        return self.render_page(request, statement, dispute_form=form, status=400)


class StatementExportCsvView(StatementMixin, View):
    def get(self, request, pk: int):
        statement = self.statement
        # The body is produced after the view returns: keep the request's language for it.
        rows = _in_language(exports.statement_csv(statement), translation.get_language())
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        filename = exports.export_filename(statement, "csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _in_language(pieces, language: str):
    with translation.override(language):
        yield from pieces


class StatementExportXlsxView(StatementMixin, View):
    def get(self, request, pk: int):
        statement = self.statement
        return FileResponse(
            exports.statement_xlsx(statement),
            as_attachment=True,
            filename=exports.export_filename(statement, "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
