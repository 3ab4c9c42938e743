"""Forms of the catalogue backoffice: parse input, show the rules' messages. No writes here."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import CategorySpec, SpecValueType
from catalog.selectors import category_leaf_choices, category_tree
from suppliers.catalogue_csv import MAX_BYTES as CSV_MAX_BYTES
from suppliers.models import ProductStatus, barcode_validator, code_validator
from suppliers.pricing import price_rule_errors


def form_errors_apply(form: forms.Form, error: ValidationError, *, prefix: str = "") -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form."""
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            name = f"{prefix}{key}" if f"{prefix}{key}" in form.fields else key
            for item in errors:
                messages = item.messages if isinstance(item, ValidationError) else [item]
                for message in messages:
                    if name in form.fields:
                        form.add_error(name, message)
                    elif key == "__all__":
                        form.add_error(None, message)
                    else:
                        form.add_error(None, f"{key}: {message}")
    else:
        for message in error.messages:
            form.add_error(None, message)


def _price_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "num"}),
    )


def spec_field(spec: CategorySpec, *, required: bool = False) -> forms.Field:
    """A form field for one specification template field."""
    help_text = spec.unit
    if spec.value_type == SpecValueType.CHOICE:
        return forms.ChoiceField(
            label=spec.name,
            required=required,
            choices=[("", "—")] + [(choice, choice) for choice in spec.choices],
            help_text=help_text,
        )
    if spec.value_type == SpecValueType.NUMBER:
        return forms.DecimalField(
            label=spec.name,
            required=required,
            help_text=help_text,
            widget=forms.NumberInput(attrs={"step": "any"}),
        )
    return forms.CharField(label=spec.name, required=required, max_length=200, help_text=help_text)


def kv_lines_parse(text: str) -> dict[str, str]:
    """``key: value`` or ``key=value`` per line into a dict."""
    result = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        for separator in ("=", ":", "：", "＝"):
            if separator in line:
                key, value = line.split(separator, 1)
                break
        else:
            raise ValidationError(
                _("Line %(n)s: write “name: value”."), params={"n": number}, code="kv"
            )
        if not key.strip():
            raise ValidationError(_("Line %(n)s has no name."), params={"n": number}, code="kv")
        result[key.strip()] = value.strip()
    return result


class CategoryChooseForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—")] + category_leaf_choices()


class ProductForm(forms.Form):
    """The product's own fields plus its specification parameters (from the category template)."""

    code = forms.CharField(
        label=_("Product code"),
        max_length=64,
        validators=[code_validator],
        help_text=_("Your item number (货号), unique in your catalogue."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    unit = forms.CharField(
        label=_("Unit"), max_length=20, initial="件", help_text=_("e.g. 件, 台, 箱, pcs")
    )
    moq = forms.IntegerField(
        label=_("Minimum order quantity"),
        min_value=1,
        initial=1,
        help_text=_("Smallest quantity a dealer may order (起订量)."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Plain text, or simple HTML: paragraphs, headings (h3, h4), bold, lists, tables, links."
        ),
    )
    extra_parameters = forms.CharField(
        label=_("Other parameters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, as “name: value”, beyond the category's template."),
    )

    def __init__(self, *args, parameter_specs: list[CategorySpec] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_leaf_choices()
        self.parameter_specs = list(parameter_specs)
        for spec in self.parameter_specs:
            self.fields[f"param_{spec.code}"] = spec_field(spec)

    @property
    def parameter_fields(self):
        return [self[f"param_{spec.code}"] for spec in self.parameter_specs]

    @property
    def base_fields_bound(self):
        return [self[name] for name in ("code", "name", "category", "brand", "unit", "moq")]

    def clean_extra_parameters(self):
        return kv_lines_parse(self.cleaned_data.get("extra_parameters", ""))

    def parameters(self) -> dict[str, str]:
        values = {}
        for spec in self.parameter_specs:
            value = self.cleaned_data.get(f"param_{spec.code}")
            if value not in (None, ""):
                values[spec.code] = format(value, "f") if isinstance(value, Decimal) else value
        for key, value in (self.cleaned_data.get("extra_parameters") or {}).items():
            values.setdefault(key, value)
        return values

    @staticmethod
    def initial_for(product, parameter_specs) -> dict:
        template_codes = {spec.code for spec in parameter_specs}
        initial = {
            "code": product.code,
            "name": product.name,
            "category": product.category_id,
            "brand": product.brand,
            "unit": product.unit,
            "moq": product.moq,
            "description": product.description,
            "extra_parameters": "\n".join(
                f"{key}: {value}"
                for key, value in product.parameters.items()
                if key not in template_codes
            ),
        }
        for code in template_codes:
            initial[f"param_{code}"] = product.parameters.get(code, "")
        return initial


class SkuForm(forms.Form):
    """One SKU row of the product page. Variant fields come from the category template."""

    sku_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(label=_("SKU code"), max_length=64, validators=[code_validator])
    barcode = forms.CharField(
        label=_("Barcode"), max_length=14, required=False, validators=[barcode_validator]
    )
    supply_price = _price_field(_("Supply price"))
    min_resale_price = _price_field(_("Minimum resale price"))
    suggested_retail_price = _price_field(_("Suggested retail price"))
    moq = forms.IntegerField(label=_("MOQ"), min_value=1, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, variant_specs: list[CategorySpec] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.variant_specs = list(variant_specs)
        for spec in self.variant_specs:
            self.fields[f"variant_{spec.code}"] = spec_field(spec)
        if not self.variant_specs:
            self.fields["variant_text"] = forms.CharField(
                label=_("Variant"),
                required=False,
                max_length=300,
                help_text=_("e.g. colour=black; size=XL"),
            )
        variant_names = [name for name in self.fields if name.startswith("variant_")]
        self.order_fields(["sku_id", "code", "barcode", *variant_names])

    @property
    def variant_fields(self):
        if self.variant_specs:
            return [self[f"variant_{spec.code}"] for spec in self.variant_specs]
        return [self["variant_text"]]

    def clean(self):
        cleaned = super().clean()
        errors = price_rule_errors(
            supply_price=cleaned.get("supply_price"),
            suggested_retail_price=cleaned.get("suggested_retail_price"),
            min_resale_price=cleaned.get("min_resale_price"),
        )
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field, message)
        return cleaned

    def variant(self) -> dict[str, str]:
        if not self.variant_specs:
            from suppliers.catalogue_csv import kv_parse

            try:
                return kv_parse(self.cleaned_data.get("variant_text", ""))
            except ValueError as error:
                raise ValidationError({"variant_text": str(error)}) from None
        values = {}
        for spec in self.variant_specs:
            value = self.cleaned_data.get(f"variant_{spec.code}")
            if value not in (None, ""):
                values[spec.code] = format(value, "f") if isinstance(value, Decimal) else value
        return values

    @staticmethod
    def initial_for(sku, variant_specs) -> dict:
        from suppliers.catalogue_csv import kv_format

        initial = {
            "sku_id": sku.pk,
            "code": sku.code,
            "barcode": sku.barcode,
            "supply_price": sku.supply_price,
            "min_resale_price": sku.min_resale_price,
            "suggested_retail_price": sku.suggested_retail_price,
            "moq": sku.moq,
            "is_active": sku.is_active,
        }
        if variant_specs:
            for spec in variant_specs:
                initial[f"variant_{spec.code}"] = sku.variant.get(spec.code, "")
        else:
            initial["variant_text"] = kv_format(sku.variant)
        return initial


class BaseSkuFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        codes, variants = {}, {}
        for index, form in enumerate(self.forms):
            if not form.has_changed() and not form.cleaned_data.get("sku_id"):
                continue
            code = form.cleaned_data.get("code")
            if code in codes:
                form.add_error(
                    "code", _("This SKU code is already used in row %(n)s.") % {"n": codes[code]}
                )
            codes[code] = index + 1
            try:
                variant = tuple(sorted(form.variant().items()))
            except ValidationError as error:
                form_errors_apply(form, error)
                continue
            if variant in variants:
                form.add_error(
                    None,
                    _("Row %(n)s has the same variant; every SKU needs its own.")
                    % {"n": variants[variant]},
                )
            variants[variant] = index + 1
        if any(self.errors):
            raise ValidationError(_("Correct the SKU rows below."))


SkuFormSet = forms.formset_factory(SkuForm, formset=BaseSkuFormSet, extra=1, max_num=100)
SkuCreateFormSet = forms.formset_factory(SkuForm, formset=BaseSkuFormSet, extra=3, max_num=100)


class SkuPriceForm(forms.Form):
    supply_price = _price_field(_("Supply price"))
    min_resale_price = _price_field(_("Minimum resale price"))
    suggested_retail_price = _price_field(_("Suggested retail price"))

    def clean(self):
        cleaned = super().clean()
        for field, messages in price_rule_errors(
            supply_price=cleaned.get("supply_price"),
            suggested_retail_price=cleaned.get("suggested_retail_price"),
            min_resale_price=cleaned.get("min_resale_price"),
        ).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


class TierForm(forms.Form):
    min_quantity = forms.IntegerField(label=_("From quantity"), min_value=2)
    unit_price = _price_field(_("Unit price"))


class BaseTierFormSet(forms.BaseFormSet):
    def tiers(self) -> list[tuple[int, Decimal]]:
        return [
            (form.cleaned_data["min_quantity"], form.cleaned_data["unit_price"])
            for form in self.forms
            if form.has_changed()
            and form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("min_quantity")
        ]


TierFormSet = forms.formset_factory(
    TierForm, formset=BaseTierFormSet, extra=3, can_delete=True, max_num=20
)


class PriceRowForm(forms.Form):
    sku_id = forms.IntegerField(widget=forms.HiddenInput)
    supply_price = _price_field(_("Supply price"))
    min_resale_price = _price_field(_("Minimum resale price"))
    suggested_retail_price = _price_field(_("Suggested retail price"))

    def clean(self):
        cleaned = super().clean()
        for field, messages in price_rule_errors(
            supply_price=cleaned.get("supply_price"),
            suggested_retail_price=cleaned.get("suggested_retail_price"),
            min_resale_price=cleaned.get("min_resale_price"),
        ).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


PriceRowFormSet = forms.formset_factory(PriceRowForm, extra=0, max_num=200)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, product code or SKU code")
        self.fields["category"].choices = [("", _("All categories"))] + [
            (node.pk, ("— " * (node.level - 1)) + node.name) for node in category_tree()
        ]
        self.fields["status"].choices = [("", _("All statuses"))] + list(ProductStatus.choices)


class PriceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, product code or SKU code")
        self.fields["category"].choices = [("", _("All categories"))] + [
            (node.pk, ("— " * (node.level - 1)) + node.name) for node in category_tree()
        ]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImageUploadForm(forms.Form):
    images = MultipleImageField(
        label=_("Images"),
        help_text=_("JPEG, PNG or WebP, at most 5 MB each. The first image is the cover."),
    )


class ProductImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or GB18030 (as Excel saves it), at most 5 MB and 5,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB; split it into several files."))
        return upload


class BulkStatusForm(forms.Form):
    """List or delist the products ticked on the list page."""

    action = forms.ChoiceField(choices=[("listed", _("List")), ("delisted", _("Delist"))])
    products = forms.CharField(required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = data.copy()
            data["products"] = ",".join(data.getlist("products"))
        super().__init__(data, **kwargs)

    def clean_products(self):
        ids = [int(value) for value in self.cleaned_data["products"].split(",") if value.isdigit()]
        if not ids:
            raise ValidationError(_("Tick at least one product."))
        return ids
