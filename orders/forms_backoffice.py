"""Forms of the dealer's order pages (backoffice): parse input, nothing more.

The rules live in orders.workflow (checkout, cancel), orders.importing and
orders.services_settings; forms carry their messages back to the fields.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.importing import MAX_BYTES
from orders.models import InvoiceType, OrderChannel, OrderStatus, PaymentMethod
from orders.quote import MAX_QUANTITY
from orders.selectors_dealer import (
    company_addresses,
    company_buyers,
    shipping_methods_active,
    sku_codes_resolve,
)
from orders.services_settings import AFTERSALES_DAYS, AUTO_RECEIPT_DAYS
from orders.workflow.checkout import NOTE_MAX, CheckoutError, CheckoutRequest

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
LINE_ROWS = 10
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrderFilterForm(forms.Form):
    number = forms.CharField(label=_("Order number"), required=False, max_length=20)
    company = forms.CharField(label=_("Buyer company"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    supplier = forms.TypedChoiceField(
        label=_("Supplier"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=_("Placed from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Placed up to"), required=False, widget=DATE)

    def __init__(self, *args, supplier_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *OrderStatus.choices]
        self.fields["supplier"].choices = [("", _("All suppliers")), *supplier_choices]

    def filters(self) -> dict:
        """The selector's keyword arguments (nothing filtered for invalid input)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "number": data["number"],
            "company": data["company"],
            "status": data["status"],
            "supplier_id": data["supplier"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }


class OrderCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The buyer sees it."),
    )


class CompanyChoiceForm(forms.Form):
    company = forms.TypedChoiceField(label=_("Buyer company"), coerce=int)

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", _("Choose a buyer company"))] + [
            (company.pk, company.name) for company in companies
        ]


class OnBehalfOrderForm(forms.Form):
    """An order placed by the dealer's staff for a buyer of ``company`` (代下单): SKU code and
    quantity rows, the company's address book, and the checkout choices."""

    company = forms.IntegerField(widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    buyer = forms.TypedChoiceField(label=_("Buyer"), coerce=int)
    address = forms.TypedChoiceField(label=_("Shipping address"), coerce=int)
    shipping_method = forms.TypedChoiceField(label=_("Shipping method"), coerce=int)
    payment_method = forms.ChoiceField(label=_("Payment method"))
    invoice_type = forms.ChoiceField(
        label=_("Invoice"), choices=InvoiceType.choices, initial=InvoiceType.NONE
    )
    invoice_company = forms.CharField(label=_("Invoice company"), required=False, max_length=200)
    invoice_tax_number = forms.CharField(
        label=_("Invoice tax number"), required=False, max_length=20
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, company, **kwargs):
        kwargs.setdefault(
            "initial",
            {"company": company.pk, "idempotency_key": uuid.uuid4().hex},
        )
        super().__init__(*args, **kwargs)
        self.buyer_company = company
        buyers = company_buyers(company=company)
        addresses = company_addresses(company=company)
        self.fields["buyer"].choices = [
            (user.pk, f"{user.get_full_name()} ({user.login_name})") for user in buyers
        ]
        self.fields["address"].choices = [
            (address.pk, f"{address.recipient} {address.phone} · {address.one_line}")
            for address in addresses
        ]
        default = next((a.pk for a in addresses if a.is_default), None)
        if default:
            self.fields["address"].initial = default
        self.fields["shipping_method"].choices = [
            (method.pk, method.name) for method in shipping_methods_active()
        ]
        self.fields["payment_method"].choices = [
            (value, label)
            for value, label in PaymentMethod.choices
            if value != PaymentMethod.ON_ACCOUNT or company.on_account
        ]
        self.fields["invoice_company"].initial = company.name
        self.fields["invoice_tax_number"].initial = company.tax_number
        self.line_rows = []
        for index in range(LINE_ROWS):
            code, quantity = f"code_{index}", f"quantity_{index}"
            self.fields[code] = forms.CharField(label=_("SKU code"), required=False, max_length=64)
            self.fields[quantity] = forms.IntegerField(
                label=_("Quantity"), required=False, min_value=1, max_value=MAX_QUANTITY
            )
            self.line_rows.append((self[code], self[quantity]))
        self.sku_rows: dict[int, list[str]] = {}  # SupplyOfferSku id -> its code fields

    def visible_order_fields(self):
        names = (
            "buyer",
            "address",
            "shipping_method",
            "payment_method",
            "invoice_type",
            "invoice_company",
            "invoice_tax_number",
            "note",
        )
        return [self[name] for name in names]

    def clean_company(self):
        if self.cleaned_data["company"] != self.buyer_company.pk:
            raise forms.ValidationError(_("Choose the buyer company again."))
        return self.cleaned_data["company"]

    def clean(self):
        cleaned = super().clean()
        lines = []
        for index in range(LINE_ROWS):
            code = (cleaned.get(f"code_{index}") or "").strip()
            quantity = cleaned.get(f"quantity_{index}")
            if f"quantity_{index}" in self.errors:
                continue
            if code and not quantity:
                self.add_error(f"quantity_{index}", _("Enter a quantity."))
            elif quantity and not code:
                self.add_error(f"code_{index}", _("Enter a SKU code."))
            elif code:
                lines.append((index, code, quantity))
        if not lines and not self.errors:
            raise forms.ValidationError(_("Add at least one SKU code and its quantity."))
        found = sku_codes_resolve(codes={code for _i, code, _q in lines})
        items = []
        for index, code, quantity in lines:
            ids = found.get(code.upper(), [])
            if not ids:
                self.add_error(
                    f"code_{index}", _("“%(code)s” is not sold in your store.") % {"code": code}
                )
            elif len(ids) > 1:
                self.add_error(
                    f"code_{index}",
                    _("“%(code)s” belongs to products of several suppliers.") % {"code": code},
                )
            else:
                items.append((ids[0], quantity))
                self.sku_rows.setdefault(ids[0], []).append(f"code_{index}")
        cleaned["items"] = tuple(items)
        return cleaned

    def checkout_request(self, *, actor) -> CheckoutRequest:
        data = self.cleaned_data
        return CheckoutRequest(
            buyer_id=data["buyer"],
            items=data["items"],
            address_id=data["address"],
            shipping_method_id=data["shipping_method"],
            payment_method=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            invoice_type=data["invoice_type"],
            invoice_company=data["invoice_company"],
            invoice_tax_number=data["invoice_tax_number"],
            note=data["note"],
            placed_by_id=actor.pk,
            channel=OrderChannel.ON_BEHALF,
            clear_cart=False,
        )

    def checkout_error_apply(self, error: CheckoutError) -> None:
        for sku_id, message in error.line_errors.items():
            for name in self.sku_rows.get(sku_id, [None]):
                self.add_error(name, message)
        for name, message in error.field_errors.items():
            self.add_error(name if name in self.fields else None, message)
        if not error.line_errors and not error.field_errors:
            self.add_error(None, str(error))


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or GB18030, up to 2 MB and 2,000 rows. Download the template below."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 2 MB; split it into several files.")
            )
        return upload


class ShippingMethodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    base_fee = forms.DecimalField(label=_("Fee per order"), initial=Decimal("0"), **MONEY)
    per_item_fee = forms.DecimalField(label=_("Fee per item"), initial=Decimal("0"), **MONEY)
    free_over = forms.DecimalField(
        label=_("Free from (goods total)"),
        required=False,
        help_text=_("Leave empty if shipping is never free."),
        **MONEY,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)

    @classmethod
    def of(cls, method, *args, **kwargs):
        initial = {
            name: getattr(method, name)
            for name in ("name", "base_fee", "per_item_fee", "free_over", "is_active", "position")
        }
        return cls(*args, initial=initial, **kwargs)


class OrderSettingsForm(forms.Form):
    review_orders = forms.BooleanField(
        label=_("Review orders before they go to suppliers"),
        required=False,
        help_text=_("Stock is held at once; suppliers see the order after you release it."),
    )
    auto_receipt_days = forms.IntegerField(
        label=_("Confirm receipt automatically after (days)"),
        min_value=AUTO_RECEIPT_DAYS[0],
        max_value=AUTO_RECEIPT_DAYS[1],
    )
    aftersales_days = forms.IntegerField(
        label=_("After-sales window (days)"),
        min_value=AFTERSALES_DAYS[0],
        max_value=AFTERSALES_DAYS[1],
    )
    bank_account = forms.CharField(
        label=_("Bank transfer details"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to buyers who pay by bank transfer: account name, bank, number."),
    )

    @classmethod
    def of(cls, settings, *args, **kwargs):
        initial = {
            name: getattr(settings, name)
            for name in ("review_orders", "auto_receipt_days", "aftersales_days", "bank_account")
        }
        return cls(*args, initial=initial, **kwargs)
