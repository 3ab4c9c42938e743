"""The dealer's buyer companies (dealer backoffice, /backoffice/buyers/): list, detail and the
payment terms (pay on account, credit limit, terms), which managers and owners change."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.models import Role
from accounts.permissions import TenantBackofficeMixin
from buyers import forms, selectors, services
from buyers.models import BuyerCompany
from buyers.views import form_errors_add


class _DealerBackofficeMixin(TenantBackofficeMixin):
    def dispatch(self, request, *args, **kwargs):
        if getattr(getattr(request, "tenant", None), "type", None) != "dealer":
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class CompanyListView(_DealerBackofficeMixin, ListView):
    required_role = Role.STAFF
    template_name = "buyers/company_list.html"
    context_object_name = "companies"
    paginate_by = 50

    def get_queryset(self):
        self.filters = forms.CompanyFilterForm(self.request.GET or None)
        data = self.filters.cleaned_data if self.filters.is_valid() else {}
        return selectors.company_list(search=data.get("q", ""), verified=data.get("verified", ""))

    def get_context_data(self, **kwargs):
        return super().get_context_data(filters=self.filters, **kwargs)


class _CompanyLoadMixin:
    """Loads ``self.company`` after the permission checks and before the method handler, so an
    id of another tenant (or none) is a 404 for every method."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.company = selectors.company_detail(pk=kwargs["pk"])
        except BuyerCompany.DoesNotExist:
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)


class CompanyDetailView(_DealerBackofficeMixin, _CompanyLoadMixin, TemplateView):
    required_role = Role.STAFF
    template_name = "buyers/company_detail.html"

    def get_context_data(self, **kwargs):
        company = self.company
        return super().get_context_data(
            company=company,
            buyers=list(company.buyers.all()),
            addresses=list(company.addresses.all()),
            can_change_terms=self.request.user.has_role(Role.MANAGER),
            **kwargs,
        )


class CompanyTermsView(_DealerBackofficeMixin, _CompanyLoadMixin, FormView):
    required_role = Role.MANAGER
    form_class = forms.CompanyTermsForm
    template_name = "buyers/company_terms.html"

    def get_initial(self):
        return {
            "on_account": self.company.on_account,
            "credit_limit": self.company.credit_limit,
            "payment_terms_days": self.company.payment_terms_days,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(company=self.company, **kwargs)

    def form_valid(self, form):
        try:
            services.company_terms_update(
                actor=self.request.user, company_id=self.company.pk, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_add(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The payment terms of %(company)s have been saved.") % {"company": self.company.name},
        )
        return redirect("dealer-buyers:company-detail", pk=self.company.pk)
