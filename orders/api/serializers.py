"""The buyer API's input and output: parse and present, no rules (those are orders.cart and
orders.workflow.checkout). Money is a string with two decimals ("123.00"); times are ISO 8601
in the site's time zone."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from orders.models import InvoiceType, Order, PaymentMethod
from orders.quote import Quote
from orders.workflow.checkout import NOTE_MAX


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- Input ---------------------------------------------------------------------------------------


class ItemsShapeError(Exception):
    """The body of ``POST cart/lines/`` is not a list of items; ``items``: {index: why}."""

    def __init__(self, message: str, items: dict[int, str] | None = None):
        super().__init__(message)
        self.items = dict(items or {})


def items_parse(data) -> list[tuple]:
    """[(offer_sku_id, quantity), as sent] from a JSON body ``{"items": [{"offer_sku_id": 1,
    "quantity": 2}, ...]}`` or a form with ``offer_sku_id`` and ``quantity`` repeated in pairs.
    The values are checked by ``orders.cart.cart_items_add``; this only checks the shape."""
    if hasattr(data, "getlist"):  # a form (or an empty body)
        ids, quantities = data.getlist("offer_sku_id"), data.getlist("quantity")
        if len(ids) != len(quantities):
            raise ItemsShapeError(_("Send one quantity for every offer_sku_id."))
        return list(zip(ids, quantities, strict=True))
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ItemsShapeError(
            _('Send the items as a list: {"items": [{"offer_sku_id": 1, "quantity": 2}]}.')
        )
    wrong = {
        index: _("Each item is an object with offer_sku_id and quantity.")
        for index, item in enumerate(items)
        if not isinstance(item, dict)
    }
    if wrong:
        raise ItemsShapeError(
            _("Nothing was added: correct the marked items and try again."), wrong
        )
    return [(item.get("offer_sku_id"), item.get("quantity")) for item in items]


class CheckoutSerializer(serializers.Serializer):
    """The body of ``POST orders/``. Whether the address, shipping method and payment method
    may be used is order_place's to say (it reads them anyway): no queries here."""

    address = serializers.IntegerField(min_value=1)  # an address of the company's book
    shipping_method = serializers.IntegerField(min_value=1)  # an active shipping method
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    invoice_type = serializers.ChoiceField(
        choices=InvoiceType.choices, required=False, default=InvoiceType.NONE
    )
    invoice_company = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    invoice_tax_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(
        max_length=NOTE_MAX, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    cart_token = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


def field_errors(errors: dict) -> dict[str, str]:
    """DRF's {field: [messages]} as {field: the first message}."""
    return {
        name: str(messages[0]) if isinstance(messages, list) else str(messages)
        for name, messages in errors.items()
    }


# --- Output --------------------------------------------------------------------------------------


def cart_data(*, quote: Quote, token: str) -> dict:
    """The cart as the API shows it: lines in the order they were added, priced now."""
    lines = []
    for line in quote.lines:
        sku = line.sku
        lines.append(
            {
                "offer_sku_id": line.offer_sku_id,
                "sku_code": sku.code if sku else None,
                "name": sku.offer.name if sku else None,
                "variant": line.variant_text if sku else None,
                "supplier": sku.offer.supplier.name if sku else None,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price) if sku else None,
                "line_total": money(line.line_total) if sku else None,
                "moq": line.moq,
                "error": line.error or None,
            }
        )
    return {
        "lines": lines,
        "goods_total": money(quote.goods_total),
        "item_count": quote.item_count,
        "cart_token": token,
    }


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def order_url(order: Order) -> str:
    return reverse("orders-api:order-detail", kwargs={"pk": order.pk})


def order_row(order: Order) -> dict:
    """One order of the list."""
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "total": money(order.total),
        "placed_at": _when(order.placed_at),
        "url": order_url(order),
    }


def order_data(order: Order) -> dict:
    """One order with its supplier parts and lines: ``placed_parts`` of an order just placed,
    else ``splits`` and their ``lines`` (prefetched)."""
    placed = getattr(order, "placed_parts", None)
    if placed is not None:
        parts = sorted(
            (
                (split, sorted(lines, key=lambda line: (line.position, line.pk)))
                for split, lines in placed
            ),
            key=lambda part: (part[0].supplier_name, part[0].pk),
        )
    else:
        parts = [(split, list(split.lines.all())) for split in order.splits.all()]
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "payment_method": order.payment_method,
        "payment_status": order.payment_status,
        "payment_due": order.payment_due.isoformat() if order.payment_due else None,
        "placed_at": _when(order.placed_at),
        "ship_recipient": order.ship_recipient,
        "ship_phone": order.ship_phone,
        "ship_address": order.ship_address,
        "shipping_method": order.shipping_method,
        "invoice_type": order.invoice_type,
        "invoice_company": order.invoice_company,
        "invoice_tax_number": order.invoice_tax_number,
        "note": order.note,
        "goods_total": money(order.goods_total),
        "shipping_fee": money(order.shipping_fee),
        "total": money(order.total),
        "refunded_total": money(order.refunded_total),
        "splits": [
            {
                "id": split.pk,
                "supplier": split.supplier_name,
                "status": split.status,
                "status_label": str(split.get_status_display()),
                "goods_total": money(split.goods_total),
            }
            for split, _lines in parts
        ],
        "lines": [
            {
                "split_id": split.pk,
                "offer_sku_id": line.offer_sku_id,
                "sku_code": line.sku_code,
                "product_name": line.product_name,
                "variant_text": line.variant_text,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
                "line_total": money(line.line_total),
            }
            for split, lines in parts
            for line in lines
        ],
        "url": order_url(order),
        "page": reverse("shop:order-detail", kwargs={"pk": order.pk}),
    }
