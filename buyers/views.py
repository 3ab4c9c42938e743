"""Buyer accounts on a dealer's storefront (mounted at /account/): registration, verification,
profile and address book. Thin views: parse, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from buyers import forms, selectors, services
from buyers.models import Address, BuyerRole
from buyers.permissions import BuyerRequiredMixin
from channels.selectors_storefront import storefront_load


def base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def form_errors_add(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` (a dict by field, or a message) on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class StorefrontPageMixin:
    """A page of the dealer's storefront: ``{% extends "layouts/storefront.html" %}`` with the
    store's name, logo and brand colour in the context (one query). Dealer domains only."""

    page_title = ""

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.type != "dealer":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        storefront = storefront_load(dealer=self.request.tenant)
        settings_row = storefront.settings
        context.update(
            storefront=storefront,
            store_name=storefront.name,
            store_settings=settings_row,
            logo_url=settings_row.logo.url if settings_row.logo else "",
            brand_color=settings_row.brand_color,
            page_title=self.page_title,
        )
        return context


# --- Registration and verification ---------------------------------------------------------------


class RegisterView(StorefrontPageMixin, FormView):
    form_class = forms.RegisterForm
    template_name = "buyers/register.html"

    def dispatch(self, request, *args, **kwargs):
        if selectors.buyer_of(request.user) is not None:
            return redirect("buyers:profile")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        # The referral link's code rides along in a hidden field (and in the URL the form
        # posts back to); network.referral decides whether it counts.
        return {**super().get_initial(), "ref": self.request.GET.get("ref", "")[:32]}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            buyer = services.buyer_register(
                company_name=data["company_name"],
                tax_number=data["tax_number"],
                email=data["email"],
                phone=data["phone"],
                password=data["password"],
                full_name=data["full_name"],
                base_url=base_url(self.request),
                referral_code=data["ref"] or self.request.GET.get("ref", ""),
            )
        except ValidationError as error:
            form_errors_add(form, error)
            return self.form_invalid(form)
        login(self.request, buyer.user, backend="django.contrib.auth.backends.ModelBackend")
        if buyer.user.phone:
            messages.success(
                self.request,
                _("Welcome! We have sent a verification code to %(phone)s.")
                % {"phone": buyer.user.phone},
            )
            return redirect("buyers:verify-mobile")
        messages.success(
            self.request,
            _("Welcome! We have sent a verification link to %(email)s.")
            % {"email": buyer.user.email},
        )
        return redirect("buyers:profile")


class EmailVerifyView(StorefrontPageMixin, TemplateView):
    """The link of the verification email; works whether or not the buyer is signed in."""

    template_name = "buyers/verify_email.html"

    def get(self, request, *args, **kwargs):
        try:
            buyer = services.email_verify(token=kwargs["token"])
        except services.VerificationError as error:
            return self.render_to_response(self.get_context_data(error=str(error)), status=400)
        return self.render_to_response(self.get_context_data(verified=buyer.user.email))


class MobileVerifyView(BuyerRequiredMixin, StorefrontPageMixin, FormView):
    form_class = forms.MobileCodeForm
    template_name = "buyers/verify_mobile.html"

    def form_valid(self, form):
        try:
            services.mobile_code_verify(buyer=self.buyer, code=form.cleaned_data["code"])
        except services.VerificationError as error:
            form.add_error("code", str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your mobile number is verified."))
        return redirect("buyers:profile")


class VerificationResendView(BuyerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        channel = request.POST.get("channel", "")
        try:
            services.verification_resend(
                buyer=self.buyer, channel=channel, base_url=base_url(request)
            )
        except services.ResendTooSoonError as wait:
            messages.error(
                request,
                _("Please wait %(seconds)d seconds before asking again.")
                % {"seconds": wait.seconds},
            )
        except services.VerificationError as error:
            messages.error(request, str(error))
        else:
            if channel == "mobile":
                messages.success(request, _("We have sent you a new code."))
                return redirect("buyers:verify-mobile")
            messages.success(request, _("We have sent you a new verification link."))
        return redirect("buyers:verify-mobile" if channel == "mobile" else "buyers:profile")


# --- Profile -------------------------------------------------------------------------------------


class ProfileView(BuyerRequiredMixin, StorefrontPageMixin, FormView):
    form_class = forms.ProfileForm
    template_name = "buyers/profile.html"

    @property
    def company_editable(self) -> bool:
        return self.buyer.role == BuyerRole.ADMIN

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "company_editable": self.company_editable}

    def get_initial(self):
        return {
            "full_name": self.buyer.user.full_name,
            "company_name": self.buyer.company.name,
            "tax_number": self.buyer.company.tax_number,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_order=selectors.buyer_can_order(self.request.user),
            order_refusal=selectors.buyer_order_refusal(self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        company = (
            {"company_name": data["company_name"], "tax_number": data["tax_number"]}
            if self.company_editable
            else {}
        )
        try:
            services.buyer_profile_update(buyer=self.buyer, full_name=data["full_name"], **company)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile has been saved."))
        return redirect("buyers:profile")


# --- Address book --------------------------------------------------------------------------------


class AddressListView(BuyerRequiredMixin, StorefrontPageMixin, TemplateView):
    template_name = "buyers/address_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            addresses=list(selectors.address_list(company=self.buyer.company)), **kwargs
        )


class _AddressMixin(BuyerRequiredMixin):
    def address_or_404(self) -> Address:
        try:
            return selectors.address_get(company=self.buyer.company, pk=self.kwargs["pk"])
        except Address.DoesNotExist:
            raise Http404 from None


class AddressCreateView(BuyerRequiredMixin, StorefrontPageMixin, FormView):
    form_class = forms.AddressForm
    template_name = "buyers/address_form.html"

    def form_valid(self, form):
        services.address_create(buyer=self.buyer, **form.cleaned_data)
        messages.success(self.request, _("The address has been added."))
        # From the checkout ("Add an address"), back to the checkout; only paths of this site.
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=False
        ) and target.startswith("/"):
            return redirect(target)
        return redirect("buyers:address-list")


class AddressUpdateView(_AddressMixin, StorefrontPageMixin, FormView):
    form_class = forms.AddressForm
    template_name = "buyers/address_form.html"

    def get(self, request, *args, **kwargs):
        self.address = self.address_or_404()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.address = self.address_or_404()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        address = self.address
        initial = {name: getattr(address, name) for name in services.ADDRESS_FIELDS}
        return {**initial, "make_default": address.is_default}

    def get_context_data(self, **kwargs):
        return super().get_context_data(address=self.address, **kwargs)

    def form_valid(self, form):
        try:
            services.address_update(
                buyer=self.buyer, address_id=self.address.pk, **form.cleaned_data
            )
        except Address.DoesNotExist:
            raise Http404 from None
        messages.success(self.request, _("The address has been saved."))
        return redirect("buyers:address-list")


class AddressDeleteView(_AddressMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.address_delete(buyer=self.buyer, address_id=kwargs["pk"])
        except Address.DoesNotExist:
            raise Http404 from None
        messages.success(request, _("The address has been removed."))
        return redirect("buyers:address-list")


class AddressDefaultView(_AddressMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.address_default_set(buyer=self.buyer, address_id=kwargs["pk"])
        except Address.DoesNotExist:
            raise Http404 from None
        messages.success(request, _("This is now your default address."))
        return redirect("buyers:address-list")
