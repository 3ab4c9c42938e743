"""A supplier's payables and settlement statements (supplier backoffice, /settlement/)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import Role
from settlement import services
from settlement import views_party as party
from settlement.models import PartyKind, RebateTier


class _Supplier:
    party = PartyKind.SUPPLIER
    namespace = "supplier-settlement"


class DashboardView(_Supplier, party.DashboardView):
    pass


class StatementListView(_Supplier, party.StatementListView):
    pass


class StatementDetailView(_Supplier, party.StatementDetailView):
    pass


class StatementConfirmView(_Supplier, party.StatementConfirmView):
    pass


class StatementDisputeView(_Supplier, party.StatementDisputeView):
    pass


class StatementExportCsvView(_Supplier, party.StatementExportCsvView):
    pass


class StatementExportXlsxView(_Supplier, party.StatementExportXlsxView):
    pass


class RebateTierForm(forms.Form):
    min_volume = forms.DecimalField(
        label=gettext_lazy("Monthly purchases from (¥)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    percent = forms.DecimalField(
        label=gettext_lazy("Rebate (%)"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )

    def clean(self):
        data = super().clean()
        volume, percent = data.get("min_volume"), data.get("percent")
        if (volume is None) != (percent is None) and not self.errors:
            raise ValidationError(_("Fill in both the volume and the rebate, or neither."))
        return data


RebateTierFormSet = forms.formset_factory(RebateTierForm, extra=3, max_num=10)


class RebateTierView(_Supplier, party.PartyPageMixin, View):
    """The supplier's tiered monthly rebates to its dealers (managers and up change them);
    the monthly settlement pays the highest tier each dealer's purchases reach."""

    required_role = Role.MANAGER

    def get(self, request):
        tiers = RebateTier.objects.filter(supplier_id=request.tenant.pk).order_by("min_volume")
        initial = [{"min_volume": t.min_volume, "percent": t.percent} for t in tiers]
        return self.render(request, RebateTierFormSet(initial=initial, prefix="tiers"))

    def post(self, request):
        formset = RebateTierFormSet(request.POST, prefix="tiers")
        if not formset.is_valid():
            return self.render(request, formset, status=400)
        tiers = [
            (form.cleaned_data["min_volume"], form.cleaned_data["percent"])
            for form in formset
            if form.cleaned_data.get("min_volume") is not None
        ]
        try:
            services.rebate_tiers_set(supplier=request.tenant, actor=request.user, tiers=tiers)
        except ValidationError as error:
            return self.render(request, formset, errors=error.messages, status=400)
        messages.success(request, _("Your rebate tiers are saved."))
        return redirect("supplier-settlement:rebate-tiers")

    def render(self, request, formset, errors=(), status=200):
        return render(
            request,
            "settlement/rebate_tiers.html",
            self.context(formset=formset, errors=errors),
            status=status,
        )
