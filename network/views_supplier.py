"""A supplier's dealer authorisation (supplier domain, under /network/): which dealers it
admits (open, by level, by region, one by one) and its exclusive regions.

Staff and up see them; managers and up change them. Writes go through network.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import TenantBackofficeMixin
from network import selectors, services
from network.forms import AuthorisationRuleForm, ExclusiveRegionForm
from network.models import AuthorisationMode


class SupplierPageMixin(TenantBackofficeMixin):
    required_role = Role.STAFF

    def dispatch(self, request, *args, **kwargs):
        if getattr(getattr(request, "tenant", None), "type", None) != "supplier":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def manager_required(self, request):
        if not request.user.has_role(Role.MANAGER):
            raise PermissionDenied


def _rule_initial(rule) -> dict:
    if rule is None:
        return {"mode": AuthorisationMode.ALL}
    return {
        "mode": rule.mode,
        "levels": list(rule.levels.all()),
        "regions": "\n".join(f"{r.province} {r.city}".strip() for r in rule.regions.all()),
    }


class AuthorisationRuleView(SupplierPageMixin, View):
    template_name = "network/rule_update.html"

    def _render(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "rule": selectors.authorisation_rule_of(request.tenant),
                "regions": selectors.exclusive_region_list(supplier=request.tenant),
                "can_edit": request.user.has_role(Role.MANAGER),
            },
            status=status,
        )

    def get(self, request):
        rule = selectors.authorisation_rule_of(request.tenant)
        return self._render(request, AuthorisationRuleForm(initial=_rule_initial(rule)))

    def post(self, request):
        self.manager_required(request)
        form = AuthorisationRuleForm(request.POST)
        if form.is_valid():
            try:
                services.authorisation_rule_update(
                    actor=request.user,
                    supplier=request.tenant,
                    mode=form.cleaned_data["mode"],
                    level_ids=[level.pk for level in form.cleaned_data["levels"]],
                    regions=form.cleaned_data["regions"],
                )
            except services.NetworkError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your dealer authorisation was saved."))
                return HttpResponseRedirect(reverse("supplier-network:rule"))
        return self._render(request, form, status=400)


class ExclusiveRegionListView(SupplierPageMixin, View):
    def get(self, request):
        return render(
            request,
            "network/exclusive_region_list.html",
            {
                "regions": selectors.exclusive_region_list(supplier=request.tenant),
                "can_edit": request.user.has_role(Role.MANAGER),
            },
        )


class ExclusiveRegionCreateView(SupplierPageMixin, View):
    required_role = Role.MANAGER
    template_name = "network/exclusive_region_create.html"

    def _form(self, data=None):
        return ExclusiveRegionForm(data, dealer_choices=selectors.dealer_choices())

    def get(self, request):
        return render(request, self.template_name, {"form": self._form()})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                region = services.exclusive_region_create(
                    actor=request.user,
                    supplier=request.tenant,
                    province=form.cleaned_data["province"],
                    city=form.cleaned_data["city"],
                    dealer_id=form.cleaned_data["dealer"],
                )
            except services.NetworkError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("%(region)s is now exclusive to %(dealer)s.")
                    % {"region": str(region), "dealer": region.dealer.name},
                )
                return HttpResponseRedirect(reverse("supplier-network:exclusive-region-list"))
        return render(request, self.template_name, {"form": form}, status=400)


class ExclusiveRegionDeleteView(SupplierPageMixin, View):
    required_role = Role.MANAGER
    template_name = "network/exclusive_region_delete.html"

    def get(self, request, pk: int):
        region = selectors.exclusive_region_get(supplier=request.tenant, pk=pk)
        if region is None:
            raise Http404
        return render(request, self.template_name, {"region": region})

    def post(self, request, pk: int):
        region = selectors.exclusive_region_get(supplier=request.tenant, pk=pk)
        if region is None:
            raise Http404
        services.exclusive_region_delete(actor=request.user, supplier=request.tenant, pk=pk)
        messages.success(request, _("%(region)s is no longer exclusive.") % {"region": str(region)})
        return HttpResponseRedirect(reverse("supplier-network:exclusive-region-list"))
