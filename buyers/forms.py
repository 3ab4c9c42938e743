"""Forms of buyer accounts: parse and check input; the services decide and write."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from buyers.phone import mobile_normalise

_TAX_NUMBER = re.compile(r"^[0-9A-Z]{15,20}$")


def _tax_number_clean(value: str) -> str:
    value = (value or "").strip().upper()
    if value and not _TAX_NUMBER.match(value):
        raise ValidationError(
            _("A tax number has 15 to 20 letters and digits (e.g. an 18-character credit code).")
        )
    return value


def _mobile_clean(value: str, *, required: bool) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(_("Enter a mobile number."))
        return ""
    phone = mobile_normalise(value)
    if not phone:
        raise ValidationError(_("Enter a valid mainland China mobile number (11 digits)."))
    return phone


class RegisterForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    tax_number = forms.CharField(
        label=_("Tax number"),
        max_length=20,
        required=False,
        help_text=_("Unified social credit code or taxpayer number, for VAT invoices."),
    )
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        required=False,
        help_text=_("Give an email address, a mobile number or both: you sign in with either."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits, not a common password."),
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # The referral code of the link the buyer came by (?ref=…); whatever it holds, it never
    # stops a registration (network.referral ignores what is not a code of this network).
    ref = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_tax_number(self):
        return _tax_number_clean(self.cleaned_data.get("tax_number"))

    def clean_phone(self):
        return _mobile_clean(self.cleaned_data.get("phone"), required=False)

    def clean_ref(self):
        return (self.cleaned_data.get("ref") or "")[:32]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.has_error("phone"):
            if not self.has_error("email"):
                self.add_error("email", _("Enter an email address or a mobile number."))
        password, again = cleaned.get("password"), cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error("password_confirm", _("The two passwords are not the same."))
        return cleaned


class MobileCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise ValidationError(_("The code has 6 digits."))
        return code


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    tax_number = forms.CharField(
        label=_("Tax number"),
        max_length=20,
        required=False,
        help_text=_("Unified social credit code or taxpayer number, for VAT invoices."),
    )

    def __init__(self, *args, company_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not company_editable:
            for name in ("company_name", "tax_number"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Only an administrator of your company may change this."
                )

    def clean_tax_number(self):
        return _tax_number_clean(self.cleaned_data.get("tax_number"))


class AddressForm(forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    province = forms.CharField(label=_("Province"), max_length=50)
    city = forms.CharField(label=_("City"), max_length=50)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    street = forms.CharField(label=_("Street address"), max_length=255)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    make_default = forms.BooleanField(label=_("Use as the default address"), required=False)

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if not re.fullmatch(r"[0-9+\-() ]{5,32}", value):
            raise ValidationError(_("Enter a phone number the carrier can call."))
        return value

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        if value and not re.fullmatch(r"\d{6}", value):
            raise ValidationError(_("A postcode has 6 digits."))
        return value


class CompanyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    verified = forms.ChoiceField(
        label=_("Verified"),
        required=False,
        choices=[("", _("All")), ("yes", _("Verified")), ("no", _("Not verified"))],
    )


class CompanyTermsForm(forms.Form):
    on_account = forms.BooleanField(
        label=_("May pay on account"),
        required=False,
        help_text=_("Orders are paid later, within the payment terms."),
    )
    credit_limit = forms.DecimalField(
        label=_("Credit limit (¥)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        help_text=_("The most this company may owe on open orders paid on account."),
    )
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        validators=[MinValueValidator(0), MaxValueValidator(365)],
    )
