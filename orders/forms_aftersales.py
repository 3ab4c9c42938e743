"""Forms of the after-sales pages (storefront, dealer and supplier backoffice). They parse and
check input; the rules that need the database (status, quantity left, window, photos by
content, duplicate tracking numbers) are orders.workflow.aftersales'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import AfterSalesKind, AfterSalesStatus
from orders.workflow.aftersales import (
    DECISION_MAX,
    DESCRIPTION_MAX,
    PHOTOS_MAX,
    REASON_MAX,
    REFERENCE_MAX,
    TRACKING_NUMBER_MAX,
)
from routing.models import Carrier

REASONS = [
    ("damaged", _("Damaged on arrival")),
    ("defective", _("Does not work / quality problem")),
    ("wrong_item", _("Wrong item or variant")),
    ("not_as_described", _("Not as described")),
    ("missing_parts", _("Missing parts or accessories")),
    ("not_needed", _("No longer needed")),
    ("other", _("Other")),
]


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Zero to ``PHOTOS_MAX`` files; their content is judged by the workflow."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(MultiplePhotoField, self).clean(item, initial) for item in files]
        files = [item for item in files if item]
        if len(files) > PHOTOS_MAX:
            raise forms.ValidationError(_("Attach at most %(max)s photos.") % {"max": PHOTOS_MAX})
        return files


class AfterSalesRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want?"),
        choices=AfterSalesKind.choices,
        widget=forms.RadioSelect,
        initial=AfterSalesKind.RETURN,
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *REASONS])
    reason_detail = forms.CharField(
        label=_("Reason in your words"),
        required=False,
        max_length=150,
        help_text=_("Needed when the reason is “Other”."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, and anything the store should know."),
    )
    photos = MultiplePhotoField(label=_("Photos"))

    def __init__(self, *args, quantity_left: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not on the field: ``%`` on a lazy string translates it at import time, once.
        self.fields["photos"].help_text = _("Up to %(max)s photos (JPEG, PNG or WebP).") % {
            "max": PHOTOS_MAX
        }
        self.fields["quantity"].widget.attrs.update(min=1, max=quantity_left)
        self.fields["quantity"].validators.append(_max_validator(quantity_left))
        self.fields["quantity"].initial = 1

    def clean(self):
        cleaned = super().clean()
        reason, detail = cleaned.get("reason"), (cleaned.get("reason_detail") or "").strip()
        if reason == "other" and not detail:
            self.add_error("reason_detail", _("Say what the reason is."))
        return cleaned

    @property
    def reason_text(self) -> str:
        """The reason as stored: the chosen reason, and the buyer's words when given."""
        labels = dict(REASONS)
        reason = self.cleaned_data["reason"]
        detail = (self.cleaned_data.get("reason_detail") or "").strip()
        text = str(labels.get(reason, reason))
        if detail:
            text = detail if reason == "other" else f"{text}: {detail}"
        return text[:REASON_MAX]


def _max_validator(limit: int):
    def check(value):
        if value is not None and value > limit:
            raise forms.ValidationError(
                _("At most %(left)s can still be asked for.") % {"left": limit}
            )

    return check


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=DECISION_MAX)


def _carrier_choices():
    return [("", "—")] + [
        (carrier.code, carrier.name) for carrier in Carrier.objects.filter(is_active=True)
    ]


class ParcelForm(forms.Form):
    """A parcel: carrier and tracking number (the buyer's return, the supplier's replacement)."""

    carrier = forms.ChoiceField(label=_("Carrier"))
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=TRACKING_NUMBER_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = _carrier_choices()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject; the buyer sees it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why you reject the request."))
        return cleaned

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class RefundForm(forms.Form):
    reference = forms.CharField(
        label=_("Refund reference"),
        required=False,
        max_length=REFERENCE_MAX,
        help_text=_("The bank or payment reference of the money paid back."),
    )


class ReceiveForm(forms.Form):
    resellable = forms.BooleanField(
        label=_("The goods can be sold again: put them back into stock"),
        required=False,
        initial=True,
    )


class AfterSalesFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Request or order number, product")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *AfterSalesStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *AfterSalesKind.choices]
    )
