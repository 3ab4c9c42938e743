"""Forms of the statement workflow: the party's dispute, the platform's resolution and payout."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DisputeForm(forms.Form):
    comment = forms.CharField(
        label=_("What is wrong with this statement?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The platform reads it and resolves the dispute."),
        error_messages={"required": _("Say what is wrong with the statement.")},
    )


class ResolutionForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was found and decided; the party sees it on its statement."),
        error_messages={"required": _("Write how the dispute was resolved.")},
    )


class PayoutForm(forms.Form):
    reference = forms.CharField(
        label=_("Payout reference"),
        max_length=100,
        help_text=_("The bank transfer number or another reference of the payment."),
        error_messages={
            "required": _("Enter the reference of the payment (bank transfer number).")
        },
    )
