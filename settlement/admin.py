"""Platform administration of settlement (public schema).

* The rules, editable: the settings (one row), category service fees, suppliers' rebate tiers,
  task reward rules.
* What runs produced, read-only: runs (with their line counts), statements (filters by run,
  party, company and status; the platform's two moves, resolve a dispute and record a payout,
  as actions with a form, through ``settlement.services``), ledger accounts with their balance
  (the sum of their postings) and the journal.

Nothing a run wrote is edited here: a correction is a new movement in a later run.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from settlement import exports, services
from settlement.forms import PayoutForm, ResolutionForm
from settlement.models import (
    CategoryFee,
    JournalEntry,
    LedgerAccount,
    Posting,
    RebateTier,
    RewardRule,
    SettlementRun,
    SettlementSettings,
    Statement,
    StatementStatus,
)
from tenants.models import Tenant, TenantType


def _tenant_name() -> Subquery:
    return Subquery(Tenant.objects.filter(pk=OuterRef("tenant_id")).values("name")[:1])


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Rules ---------------------------------------------------------------------------------------


@admin.register(SettlementSettings)
class SettlementSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "frequency", "fee_payer", "default_fee_percent", "updated_at")
    fields = ("frequency", "fee_payer", "default_fee_percent")

    def has_add_permission(self, request):
        # The one row exists from the start (migration 0004); no query on every admin page.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings = SettlementSettings.current()
        return HttpResponseRedirect(
            reverse("admin:settlement_settlementsettings_change", args=[settings.pk])
        )

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(CategoryFee)
class CategoryFeeAdmin(admin.ModelAdmin):
    list_display = ("category", "percent")
    list_select_related = ("category",)
    search_fields = ("category__name_zh", "category__name_en")
    raw_id_fields = ("category",)


@admin.register(RebateTier)
class RebateTierAdmin(admin.ModelAdmin):
    list_display = ("supplier", "min_volume", "percent")
    list_select_related = ("supplier",)
    list_filter = (("supplier", admin.RelatedOnlyFieldListFilter),)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "supplier":
            kwargs["queryset"] = Tenant.objects.filter(type=TenantType.SUPPLIER).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RewardRule)
class RewardRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "target", "offer", "bonus", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    raw_id_fields = ("offer",)


# --- Runs and statements -------------------------------------------------------------------------


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "period_start",
        "period_end",
        "lines",
        "adjustments",
        "statement_count",
        "finished_at",
    )
    list_filter = ("kind",)
    date_hierarchy = "period_start"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(statement_count=Count("statements"))

    @admin.display(description=_("statements"), ordering="statement_count")
    def statement_count(self, run):
        return run.statement_count


class CompanyFilter(admin.SimpleListFilter):
    title = _("company")
    parameter_name = "company"

    def lookups(self, request, model_admin):
        ids = Statement.objects.exclude(tenant_id=None).values("tenant_id").distinct()
        return [
            (tenant.pk, f"{tenant.name} ({tenant.get_type_display()})")
            for tenant in Tenant.objects.filter(pk__in=ids).order_by("name")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tenant_id=self.value())
        return queryset


@admin.register(Statement)
class StatementAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "run",
        "party",
        "company",
        "sales",
        "supply",
        "fees",
        "margin",
        "rebates",
        "overrides",
        "rewards",
        "clawbacks",
        "net",
        "status",
        "payout_reference",
    )
    list_filter = ("status", "party", ("run", admin.RelatedOnlyFieldListFilter), CompanyFilter)
    list_select_related = ("run",)
    search_fields = ("payout_reference", "comment", "resolution")
    list_per_page = 50
    actions = ("resolve_selected", "pay_selected", "export_csv", "export_xlsx")
    readonly_fields = ("company",)
    fields = (
        "run",
        "party",
        "company",
        "status",
        ("sales", "supply", "fees", "margin"),
        ("rebates", "overrides", "rewards", "clawbacks"),
        "net",
        "comment",
        "resolution",
        "payout_reference",
        "updated_at",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(company_name=_tenant_name())

    @admin.display(description=_("company"), ordering="company_name")
    def company(self, statement):
        return statement.company_name or gettext("The platform")

    def has_settle_permission(self, request) -> bool:
        return request.user.has_perm("settlement.change_statement")

    @admin.action(description=_("Export the selected statement as CSV"))
    def export_csv(self, request, queryset):
        statement = self._one(request, queryset)
        if statement is None:
            return None
        response = StreamingHttpResponse(
            exports.statement_csv(statement), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.export_filename(statement, "csv")}"'
        )
        return response

    @admin.action(description=_("Export the selected statement as Excel"))
    def export_xlsx(self, request, queryset):
        statement = self._one(request, queryset)
        if statement is None:
            return None
        return FileResponse(
            exports.statement_xlsx(statement),
            as_attachment=True,
            filename=exports.export_filename(statement, "xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def _one(self, request, queryset):
        statements = list(queryset.select_related("run")[:2])
        if len(statements) != 1:
            self.message_user(
                request, gettext("Choose exactly one statement to export."), messages.WARNING
            )
            return None
        return statements[0]

    @admin.action(description=_("Resolve the selected disputes…"), permissions=["settle"])
    def resolve_selected(self, request, queryset):
        return self._step(
            request,
            queryset,
            action="resolve_selected",
            form_class=ResolutionForm,
            title=gettext("Resolve disputes"),
            submit=gettext("Resolve"),
            run=lambda statement, data: services.statement_resolve(
                statement_id=statement.pk, actor=request.user, resolution=data["resolution"]
            ),
            done=StatementStatus.RESOLVED,
            done_message=gettext("Resolved: %(names)s."),
        )

    @admin.action(
        description=_("Record the payout of the selected statements…"), permissions=["settle"]
    )
    def pay_selected(self, request, queryset):
        return self._step(
            request,
            queryset,
            action="pay_selected",
            form_class=PayoutForm,
            title=gettext("Record payouts"),
            submit=gettext("Record the payout"),
            run=lambda statement, data: services.statement_pay(
                statement_id=statement.pk, actor=request.user, reference=data["reference"]
            ),
            done=StatementStatus.PAID,
            done_message=gettext("Paid: %(names)s."),
        )

    def _step(
        self, request, queryset, *, action, form_class, title, submit, run, done, done_message
    ):
        statements = list(queryset.order_by("pk"))
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                moved, refused = [], []
                for statement in statements:
                    before = statement.status
                    try:
                        after = run(statement, form.cleaned_data)
                    except services.StatementError as error:
                        refused.append(f"{self._label(statement)}: {error}")
                    else:
                        if before != done and after.status == done:
                            moved.append(self._label(statement))
                if moved:
                    self.message_user(
                        request, done_message % {"names": ", ".join(moved)}, messages.SUCCESS
                    )
                for message in refused:
                    self.message_user(request, message, messages.ERROR)
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "submit": submit,
            "form": form,
            "statements": statements,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "settlement/admin/statement_action.html", context)

    @staticmethod
    def _label(statement) -> str:
        name = getattr(statement, "company_name", None) or gettext("The platform")
        return f"{statement.run} · {name}"


# --- The ledger ----------------------------------------------------------------------------------


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("party", "company", "kind", "balance")
    list_filter = ("party", "kind")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                company_name=_tenant_name(),
                total=Coalesce(
                    Sum("postings__amount"),
                    Value(Decimal("0.00")),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                ),
            )
        )

    @admin.display(description=_("company"), ordering="company_name")
    def company(self, account):
        return account.company_name or gettext("The platform")

    @admin.display(description=_("balance (debit + / credit −)"), ordering="total")
    def balance(self, account):
        return account.total


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ("account", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("source", "kind", "run", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("source", "memo")
    list_select_related = ("run",)
    inlines = (PostingInline,)
