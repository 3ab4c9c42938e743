"""Forms of the onboarding flow. They parse input; tenants.services decides."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.models import validate_subdomain
from tenants.validators import (
    MAX_OTHER_DOCUMENTS,
    credit_code_normalise,
    document_inspect,
    validate_credit_code,
)

DOCUMENT_ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; cleans to a list (empty when none were chosen)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class TenantApplicationForm(forms.Form):
    """The public application of a supplier or a dealer."""

    company_name = forms.CharField(
        label=_("Company name"),
        max_length=200,
        help_text=_("As printed on the business licence."),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("The 18-character code on the business licence (统一社会信用代码)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_email = forms.EmailField(
        label=_("Contact email"),
        help_text=_("We send the outcome here; it becomes the owner's sign-in."),
    )
    contact_phone = forms.RegexField(
        label=_("Contact phone"),
        max_length=32,
        regex=r"^\+?[0-9][0-9 \-]{5,30}$",
        error_messages={"invalid": _("Enter a phone number of digits, spaces and hyphens.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    business_scope = forms.CharField(
        label=_("Business scope"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("What the company makes or sells, as on the business licence (经营范围)."),
    )
    subdomain = forms.CharField(
        label=_("Desired subdomain"),
        max_length=30,
        help_text=_("Your backoffice address; lowercase letters, digits and hyphens."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    business_licence = forms.FileField(
        label=_("Business licence"),
        help_text=_("A scan or photo of the business licence (营业执照): PDF, JPEG or PNG."),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )
    other_documents = MultipleFileField(
        label=_("Other qualification documents"),
        required=False,
        help_text=_(
            "Optional: licences, certificates, brand authorisations. PDF, JPEG or PNG; "
            "you may choose several files."
        ),
        widget=MultipleFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def clean_credit_code(self) -> str:
        value = credit_code_normalise(self.cleaned_data["credit_code"])
        validate_credit_code(value)
        return value

    def clean_business_licence(self):
        upload = self.cleaned_data["business_licence"]
        document_inspect(upload)
        return upload

    def clean_other_documents(self) -> list:
        uploads = self.cleaned_data["other_documents"]
        if len(uploads) > MAX_OTHER_DOCUMENTS:
            raise ValidationError(
                _("Attach at most %(count)d other documents."),
                params={"count": MAX_OTHER_DOCUMENTS},
            )
        errors = []
        for upload in uploads:
            try:
                document_inspect(upload)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return uploads

    def clean_subdomain(self) -> str:
        value = self.cleaned_data["subdomain"].strip().lower()
        validate_subdomain(value)
        return value

    def __init__(self, *args, tenant_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant_type = tenant_type

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            # The application will not be sent this time; say now, too, whether the credit
            # code and subdomain are free, so the applicant fixes everything in one go.
            # (application_submit checks again when it records the application.)
            from tenants.services import application_precheck_errors

            errors = application_precheck_errors(
                tenant_type=self.tenant_type,
                credit_code=cleaned_data.get("credit_code"),
                subdomain=cleaned_data.get("subdomain"),
            )
            for field, messages in errors.items():
                if field not in self.errors:
                    self.add_error(field, messages)
        return cleaned_data

    def apply_service_errors(self, error: ValidationError) -> None:
        """Show the service's errors (a dict by field) on this form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class RejectionForm(forms.Form):
    """The reason a reviewer gives for rejecting one or several applications."""

    reason = forms.CharField(
        label=_("Reason for rejection"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        max_length=2000,
        help_text=_("Sent to the applicant by email. Say what they would need to change."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the applicant a reason for the rejection."))
        return reason
