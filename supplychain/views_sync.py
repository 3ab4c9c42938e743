"""Stock sync pages (supplier domain): CSV stock upload and batch history, API tokens, alerts.

Staff and up upload stock files (they count the goods, as on the stock pages) and see alerts;
only owners see, create and revoke API tokens.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import Role
from accounts.permissions import RoleRequiredMixin
from supplychain import sync
from supplychain.api.tokens import api_token_create, api_token_list, api_token_revoke
from supplychain.models import ApiToken, LowStockAlert, StockSyncBatch, StockSyncSource


class StockUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns sku, warehouse, on_hand (a header line first); UTF-8 or GB18030; at most "
            "10,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    sync_id = forms.CharField(
        label=gettext_lazy("Sync id"),
        required=False,
        max_length=64,
        help_text=gettext_lazy(
            "Optional. A batch with the same sync id is applied only once; without one, the "
            "file's content is the id, so the same file is never applied twice."
        ),
    )

    def clean_sync_id(self):
        value = self.cleaned_data["sync_id"].strip()
        if value and (problem := sync.sync_id_problem(value)):
            raise forms.ValidationError(problem.message)
        return value


class StockSyncListView(RoleRequiredMixin, View):
    """Recent stock batches (API and CSV) and the CSV upload form."""

    required_role = Role.STAFF
    template_name = "supplychain/stock_sync_list.html"
    page_size = 30

    def _render(self, request, form, extra=None, status=200):
        batches = StockSyncBatch.objects.select_related("token", "created_by").order_by(
            "-created_at", "-id"
        )
        page = Paginator(batches, self.page_size).get_page(request.GET.get("page"))
        context = {
            "form": form,
            "page_obj": page,
            "batches": page.object_list,
            "max_rows": sync.MAX_BATCH_ROWS,
            **(extra or {}),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, StockUploadForm())

    def post(self, request):
        form = StockUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > sync.MAX_CSV_BYTES:
            form.add_error("file", _("The file is larger than 2 MB; split it into several."))
            return self._render(request, form, status=400)
        batch = sync.stock_csv_read(data=upload.read(), sync_id=form.cleaned_data["sync_id"])
        problems = batch.problems
        result = None
        if not problems:
            try:
                result = sync.stock_sync_apply(
                    sync_id=batch.sync_id,
                    items=batch.items,
                    source=StockSyncSource.CSV,
                    actor=request.user,
                )
            except sync.StockSyncRejected as rejected:
                problems = rejected.problems
        if problems:
            rows = [
                {
                    "line": batch.line_of(problem.row),
                    "field": problem.field,
                    "message": problem.message,
                }
                for problem in problems
            ]
            return self._render(
                request,
                form,
                {"problems": rows, "file_name": upload.name, "sync_id": batch.sync_id},
                status=400,
            )
        if result.duplicate:
            messages.warning(
                request,
                _(
                    "This batch (sync id %(sync_id)s) was already applied on %(when)s; nothing "
                    "changed. To apply the file again, give it a new sync id."
                )
                % {"sync_id": result.sync_id, "when": result.applied_at[:16].replace("T", " ")},
            )
        else:
            messages.success(
                request,
                _("Stock batch applied: %(rows)s row(s), %(changed)s changed.")
                % {"rows": result.rows, "changed": result.changed},
            )
        return HttpResponseRedirect(reverse("supplychain:stock-sync-list"))


class ApiTokenListView(RoleRequiredMixin, View):
    """The owner's API tokens; creating one shows its key on this page, once."""

    required_role = Role.OWNER
    template_name = "supplychain/api_token_list.html"

    def _render(self, request, extra=None, status=200):
        api_url = request.build_absolute_uri(reverse("supplychain:api-stock-sync"))
        context = {"tokens": list(api_token_list()), "api_url": api_url, **(extra or {})}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        name = request.POST.get("name", "").strip()
        if not name:
            return self._render(
                request, {"name_error": _("Give the token a name, e.g. the ERP's.")}, status=400
            )
        token, key = api_token_create(actor=request.user, name=name)
        response = self._render(request, {"new_token": token, "new_key": key})
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(RoleRequiredMixin, View):
    required_role = Role.OWNER

    def post(self, request, pk: int):
        try:
            token = api_token_revoke(actor=request.user, token_id=pk)
        except ApiToken.DoesNotExist:
            raise Http404 from None
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse("supplychain:api-token-list"))


class LowStockAlertListView(RoleRequiredMixin, View):
    """Open low-stock alerts (``?state=all``: with the recovered ones)."""

    required_role = Role.STAFF
    page_size = 50

    def get(self, request):
        state = "all" if request.GET.get("state") == "all" else "open"
        alerts = LowStockAlert.objects.select_related(
            "stock_level__sku__product", "stock_level__warehouse"
        ).order_by("-opened_at", "-id")
        if state == "open":
            alerts = alerts.filter(cleared_at__isnull=True)
        page = Paginator(alerts, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "supplychain/alert_list.html",
            {"page_obj": page, "alerts": page.object_list, "state": state},
        )
