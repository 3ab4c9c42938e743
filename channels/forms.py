"""Forms of the dealer backoffice and the storefront's filters: parse input, nothing more.

The price rules live in channels.services; forms only carry its messages back to the fields.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from catalog.selectors import category_tree
from channels.models import ListingStatus, PriceVisibility, hex_colour_validator
from channels.pricing import PriceBasis, SkuPriceRules, default_price, yuan
from channels.services import MAX_FEATURED, ListingPriceError

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class OfferFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    supplier = forms.TypedChoiceField(
        label=_("Supplier"), required=False, coerce=int, empty_value=None
    )
    price_min = forms.DecimalField(label=_("Supply price from"), required=False, **MONEY)
    price_max = forms.DecimalField(label=_("Supply price up to"), required=False, **MONEY)
    in_stock = forms.BooleanField(label=_("In stock only"), required=False)
    not_in_store = forms.BooleanField(label=_("Not in my store yet"), required=False)

    def __init__(self, *args, supplier_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (node.pk, "\u3000" * (node.level - 1) + node.name) for node in category_tree()
        ]
        self.fields["supplier"].choices = [("", _("All suppliers"))] + list(supplier_choices)


class ListingPriceForm(forms.Form):
    """One price field per active SKU of an offer, defaulting to the suggested retail price."""

    def __init__(self, *args, offer, current: dict[int, Decimal] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        current = current or {}
        self.rows = []
        for sku in offer.active_skus:
            rules = SkuPriceRules.of(sku)
            name = f"price_{sku.pk}"
            self.fields[name] = forms.DecimalField(
                label=" / ".join(str(v) for v in (sku.variant or {}).values() if v) or sku.code,
                initial=current.get(sku.pk, default_price(rules)),
                help_text=_("Suggested %(suggested)s · minimum %(min)s · you pay %(supply)s")
                % {
                    "suggested": yuan(rules.suggested_retail_price),
                    "min": yuan(rules.min_resale_price),
                    "supply": yuan(rules.supply_price),
                },
                **MONEY,
            )
            self.rows.append((sku, rules, name))

    def prices(self) -> dict[int, Decimal]:
        return {sku.pk: self.cleaned_data[name] for sku, _rules, name in self.rows}

    def errors_apply(self, error: ListingPriceError) -> None:
        names = {sku.pk: name for sku, _rules, name in self.rows}
        for sku_id, messages in error.sku_errors.items():
            for message in messages:
                self.add_error(names.get(sku_id), message)
        for message in error.errors:
            self.add_error(None, message)


class IdListField(forms.Field):
    """Ids posted as several values of one name (checkboxes); the service decides what they mean."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError):
            raise ValidationError(_("Select products from the list."), code="invalid") from None


class BulkListingForm(forms.Form):
    offers = IdListField(
        label=_("Products"), error_messages={"required": _("Select at least one product.")}
    )
    basis = forms.ChoiceField(
        label=_("Price each SKU at"),
        choices=[
            (PriceBasis.SUGGESTED, _("a percentage of the suggested retail price")),
            (PriceBasis.SUPPLY, _("a percentage of the supply price (cost plus margin)")),
        ],
        initial=PriceBasis.SUGGESTED,
    )
    percent = forms.DecimalField(
        label=_("Percentage"),
        max_digits=6,
        decimal_places=2,
        initial=Decimal("100"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("1000"))],
        # "% o" is not a placeholder; without this, msgfmt rejects the translation:
        # xgettext:no-python-format
        help_text=_("100 % of the suggested retail price is the suggested price itself."),
    )


class ListingStatusForm(forms.Form):
    to = forms.ChoiceField(choices=ListingStatus.choices)


class ListingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(ListingStatus.choices),
    )


class StorefrontSettingsForm(forms.Form):
    name = forms.CharField(
        label=_("Store name"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to use your company name."),
    )
    tagline = forms.CharField(label=_("Tagline"), max_length=200, required=False)
    brand_color = forms.CharField(
        label=_("Brand colour"),
        max_length=7,
        required=False,
        validators=[hex_colour_validator],
        widget=forms.TextInput(attrs={"placeholder": "#1a6fd4", "pattern": "#[0-9a-fA-F]{6}"}),
        help_text=_("The colour of buttons and links, as # and six hexadecimal digits."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at least 50 pixels a side."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    banner_title = forms.CharField(label=_("Banner title"), max_length=100, required=False)
    banner_text = forms.CharField(
        label=_("Banner text"), max_length=300, required=False, widget=forms.Textarea({"rows": 2})
    )
    banner_image = forms.FileField(
        label=_("Banner image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_banner_image = forms.BooleanField(label=_("Remove the banner image"), required=False)
    price_visibility = forms.ChoiceField(
        label=_("Show prices to"),
        choices=PriceVisibility.choices,
        widget=forms.RadioSelect,
        help_text=_("Many B2B stores show prices to signed-in buyers only."),
    )
    featured = forms.TypedMultipleChoiceField(
        label=_("Featured products"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, listings=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not on the field: ``%`` on a lazy string translates it at import time, once.
        self.fields["featured"].help_text = _(
            "Shown on your storefront's home page (at most %(n)s)."
        ) % {"n": MAX_FEATURED}
        self.fields["featured"].choices = [
            (listing.pk, f"{listing.offer.name} ({listing.offer.code})") for listing in listings
        ]


class StorefrontFilterForm(forms.Form):
    """The storefront's query string: search, filters, sort and page (all optional)."""

    q = forms.CharField(required=False, max_length=100)
    brand = forms.CharField(required=False, max_length=100)
    supplier = forms.IntegerField(required=False, min_value=1)
    price_min = forms.DecimalField(required=False, **MONEY)
    price_max = forms.DecimalField(required=False, **MONEY)
    in_stock = forms.BooleanField(required=False)
    sort = forms.CharField(required=False, max_length=20)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
