"""Orders for tests, made the real way: supplier products published through the supplier's
services, listed by the dealer through channels.services, ordered through
orders.workflow.checkout.order_place. Shared by every order-related test package."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import connection
from django_tenants.utils import tenant_context

from catalog.models import SupplyOfferSku
from catalog.seed import category_tree_seed
from orders.models import Order, OrderSettings, PaymentMethod, ShippingMethod
from orders.workflow.checkout import CheckoutRequest, order_place
from tests.builders import buyer_make  # noqa: F401 - re-exported for order tests
from tests.storefront.builders import listing_build, offer_publish


def offer_skus(offer) -> list[SupplyOfferSku]:
    return list(SupplyOfferSku.objects.filter(offer=offer).order_by("position", "pk"))


def shop_build(dealer, suppliers, *, stock: int = 50, prefix: str = "ORD") -> dict:
    """Per supplier: one phone (2 SKUs, ``stock`` units each) published, listed by ``dealer``.

    Returns {supplier slug: [SupplyOfferSku, ...]} (public rows)."""
    category_tree_seed()
    skus = {}
    for supplier in suppliers:
        offer = offer_publish(
            supplier,
            code=f"{prefix}-{supplier.slug}-{uuid.uuid4().hex[:6]}".upper(),
            name=f"{prefix} 手机 {supplier.slug}",
            stock=stock,
        )
        listing_build(dealer, offer)
        skus[supplier.slug] = offer_skus(offer)
    with tenant_context(dealer):
        if not ShippingMethod.objects.exists():
            ShippingMethod.objects.create(name="顺丰标快", base_fee=Decimal("12.00"))
    connection.set_schema_to_public()
    return skus


def shipping_method(dealer) -> ShippingMethod:
    with tenant_context(dealer):
        return ShippingMethod.objects.order_by("pk").first()


def checkout_request(buyer, items, *, key: str | None = None, **extra) -> CheckoutRequest:
    """A checkout of ``items`` [(SupplyOfferSku, quantity)] by ``buyer`` (a dealer-schema user),
    to the buyer's default address, by the first shipping method, bank transfer."""
    from buyers.models import Address

    address = Address.objects.get(company__buyers__user=buyer, is_default=True)
    fields = {
        "buyer_id": buyer.pk,
        "items": tuple((sku.pk, quantity) for sku, quantity in items),
        "address_id": address.pk,
        "shipping_method_id": ShippingMethod.objects.order_by("pk").first().pk,
        "payment_method": PaymentMethod.BANK_TRANSFER,
        "idempotency_key": key or uuid.uuid4().hex,
    }
    fields.update(extra)
    return CheckoutRequest(**fields)


def order_build(dealer, buyer, items, **extra) -> Order:
    """An order placed by ``buyer`` at ``dealer`` (returned loaded in the dealer's schema)."""
    with tenant_context(dealer):
        order, _created = order_place(checkout_request(buyer, items, **extra))
    connection.set_schema_to_public()
    return order


def review_orders(dealer, on: bool = True) -> None:
    with tenant_context(dealer):
        settings = OrderSettings.current()
        settings.review_orders = on
        settings.save()


def order_ship(dealer, order) -> None:
    """Every supplier part of ``order`` confirmed and shipped in full, through the fulfilment
    workflow (each supplier in its own schema); the order is "shipped" afterwards."""
    from datetime import date

    from fulfilment.models import SupplierOrderLine
    from orders.models import OrderSplit
    from orders.workflow.fulfilment import shipment_create, supplier_order_confirm
    from routing.models import Carrier
    from tenants.models import Tenant

    carrier, _created = Carrier.objects.get_or_create(
        code="sf-test", defaults={"name_zh": "顺丰测试", "name_en": "SF test"}
    )
    with tenant_context(dealer):
        splits = list(OrderSplit.objects.filter(order_id=order.pk).order_by("supplier_id"))
    for split in splits:
        supplier = Tenant.objects.get(pk=split.supplier_id)
        with tenant_context(supplier):
            supplier_order_confirm(
                supplier_order_id=split.supplier_order_id,
                actor=None,
                promised_ship_date=date.today(),
            )
            lines = dict(
                SupplierOrderLine.objects.filter(order_id=split.supplier_order_id).values_list(
                    "pk", "quantity"
                )
            )
            shipment_create(
                supplier_order_id=split.supplier_order_id,
                actor=None,
                carrier_code=carrier.code,
                tracking_number=f"SF{split.pk:010d}",
                lines=lines,
            )
    connection.set_schema_to_public()
