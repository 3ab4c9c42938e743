"""Forms of the buyer's cart, checkout and orders: they parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import InvoiceType, PaymentMethod
from orders.quote import MAX_QUANTITY
from orders.workflow.checkout import NOTE_MAX


class CartAddForm(forms.Form):
    offer_sku_id = forms.IntegerField(label=_("Item"), min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )


class CartUpdateForm(forms.Form):
    offer_sku_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY)


class CartRemoveForm(forms.Form):
    offer_sku_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class QuickOrderForm(forms.Form):
    text = forms.CharField(
        label=_("SKU codes and quantities"),
        max_length=20_000,
        strip=False,
        help_text=_(
            "One item per line: the SKU code, then the quantity, separated by a space, a tab "
            "or a comma. You can paste two columns from Excel."
        ),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
    )


class CheckoutForm(forms.Form):
    """The checkout's choices. ``addresses``: the company's address book; ``methods``: the
    active shipping methods; ``on_account``: whether the company may pay on account."""

    address = forms.TypedChoiceField(label=_("Shipping address"), coerce=int)
    shipping_method = forms.TypedChoiceField(label=_("Shipping method"), coerce=int)
    payment_method = forms.ChoiceField(label=_("Payment method"))
    invoice_type = forms.ChoiceField(
        label=_("Invoice"), choices=InvoiceType.choices, initial=InvoiceType.NONE
    )
    invoice_company = forms.CharField(label=_("Invoice company"), max_length=200, required=False)
    invoice_tax_number = forms.CharField(label=_("Taxpayer number"), max_length=20, required=False)
    note = forms.CharField(
        label=_("Note to the store"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    cart_token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, addresses=(), methods=(), on_account=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = [(a.pk, a.one_line) for a in addresses]
        self.fields["shipping_method"].choices = [(m.pk, m.name) for m in methods]
        payment_choices = [
            (value, label)
            for value, label in PaymentMethod.choices
            if value != PaymentMethod.ON_ACCOUNT or on_account
        ]
        self.fields["payment_method"].choices = payment_choices
        self.fields["address"].error_messages["invalid_choice"] = _(
            "Choose a shipping address from your address book."
        )
        self.fields["shipping_method"].error_messages["invalid_choice"] = _(
            "Choose a shipping method."
        )
        self.fields["payment_method"].error_messages["invalid_choice"] = _(
            "Choose one of the payment methods offered."
        )


class OrderCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you cancel the order?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PaymentProofForm(forms.Form):
    proof = forms.FileField(
        label=_("Transfer receipt"),
        help_text=_("A screenshot, photo or PDF of the bank transfer (PDF, JPEG or PNG)."),
    )
