"""Forms of the supplier's order pages: they parse and check input; the rules that need the
database (status, quantities left, duplicate tracking numbers) are orders.workflow's."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import SplitStatus
from orders.workflow.fulfilment import REASON_MAX, TRACKING_NUMBER_MAX
from routing.models import Carrier, EventStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Order number, buyer, recipient")}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    dealer = forms.TypedChoiceField(label=_("Dealer"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("Placed from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Placed until"), required=False, widget=DATE)

    def __init__(self, *args, dealers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *SplitStatus.choices]
        self.fields["dealer"].choices = [("", _("All dealers")), *dealers]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class OrderConfirmForm(forms.Form):
    promised_ship_date = forms.DateField(
        label=_("Ship by"),
        widget=DATE,
        help_text=_("The date you promise the dealer to ship by."),
    )

    def clean_promised_ship_date(self):
        value = self.cleaned_data["promised_ship_date"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The promised ship date cannot be in the past."))
        return value


class OrderRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The dealer and the buyer see it. The held stock is released."),
    )


class ShipmentForm(forms.Form):
    """Carrier, tracking number and a quantity per line still to ship (``line_<id>``)."""

    carrier = forms.ChoiceField(label=_("Carrier"))
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=TRACKING_NUMBER_MAX)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = [("", "—")] + [
            (carrier.code, carrier.name) for carrier in Carrier.objects.filter(is_active=True)
        ]
        self.lines = [line for line in lines if line.to_ship > 0]
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku_code} {line.product_name}",
                min_value=0,
                max_value=line.to_ship,
                initial=line.to_ship,
                widget=forms.NumberInput(attrs={"class": "num", "min": "0"}),
            )

    def line_fields(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def clean(self):
        cleaned = super().clean()
        quantities = {
            line.pk: cleaned.get(f"line_{line.pk}") or 0
            for line in self.lines
            if f"line_{line.pk}" not in self.errors
        }
        if not self.errors and not any(quantities.values()):
            raise forms.ValidationError(
                _("Enter the quantity of at least one line in this parcel.")
            )
        cleaned["lines"] = {pk: q for pk, q in quantities.items() if q}
        return cleaned


class TrackingEventForm(forms.Form):
    track = forms.TypedChoiceField(label=_("Parcel"), coerce=int)
    occurred_at = forms.DateTimeField(
        label=_("Time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    status = forms.ChoiceField(label=_("Status"), choices=EventStatus.choices)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def __init__(self, *args, tracks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].choices = [
            (track.pk, f"{track.carrier.name} {track.tracking_number}") for track in tracks
        ]
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )
            self.initial.setdefault("status", EventStatus.IN_TRANSIT)
