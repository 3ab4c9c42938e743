"""Forms of the network pages: a supplier's authorisation rule and exclusive regions."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from network.models import AuthorisationMode, DealerLevel

MAX_REGIONS = 200


def regions_parse(text: str) -> list[tuple[str, str]]:
    """One region per line: "province" or "province city" (space, slash or comma between)."""
    regions = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part for part in re.split(r"[\s/,，、]+", line.strip()) if part]
        if not parts:
            continue
        if len(parts) > 2:
            raise forms.ValidationError(
                _("Line %(number)s: write a province, or a province and one city.")
                % {"number": number}
            )
        if any(len(part) > 50 for part in parts):
            raise forms.ValidationError(
                _("Line %(number)s: a name is longer than 50 characters.") % {"number": number}
            )
        regions.append((parts[0], parts[1] if len(parts) == 2 else ""))
    if len(regions) > MAX_REGIONS:
        raise forms.ValidationError(
            _("At most %(count)s regions, please.") % {"count": MAX_REGIONS}
        )
    return regions


class AuthorisationRuleForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Which dealers may carry your products"),
        choices=AuthorisationMode.choices,
        widget=forms.RadioSelect,
        initial=AuthorisationMode.ALL,
    )
    levels = forms.ModelMultipleChoiceField(
        label=_("Dealer levels"),
        queryset=DealerLevel.objects.order_by("rank", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For “dealers of the chosen levels”."),
    )
    regions = forms.CharField(
        label=_("Regions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For “dealers in the chosen regions”: one per line, a province (广东省) or a "
            "province and a city (广东省 深圳市)."
        ),
    )

    def clean_regions(self):
        return regions_parse(self.cleaned_data.get("regions") or "")

    def clean(self):
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if mode == AuthorisationMode.LEVELS and not cleaned.get("levels"):
            self.add_error("levels", _("Choose at least one dealer level."))
        if mode == AuthorisationMode.REGIONS and "regions" in cleaned and not cleaned["regions"]:
            self.add_error(
                "regions", _("Enter at least one region (a province, or a province and a city).")
            )
        return cleaned


class ExclusiveRegionForm(forms.Form):
    province = forms.CharField(label=_("Province"), max_length=50)
    city = forms.CharField(
        label=_("City"), max_length=50, required=False, help_text=_("Blank: the whole province.")
    )
    dealer = forms.TypedChoiceField(label=_("Dealer"), coerce=int)

    def __init__(self, *args, dealer_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealer"].choices = [("", "—")] + dealer_choices

    def clean_province(self):
        return self.cleaned_data["province"].strip()

    def clean_city(self):
        return self.cleaned_data["city"].strip()
