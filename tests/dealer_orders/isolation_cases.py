"""Rows of tests/test_isolation.py for the dealer's order pages (backoffice): ``CASES``
(checked across tenants) and ``EXEMPT`` (name: why no cross-tenant check applies).

Every ``make`` runs in the home dealer's schema (delta): it places a real order of an acme
product for a buyer of delta. The ids in the URLs are unused in every other schema, so omega
(and the suppliers) must answer 404 and change nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django_tenants.utils import tenant_context

from orders.models import (
    Order,
    OrderSettings,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentRecordStatus,
    ShippingMethod,
)
from tenants.models import Tenant
from tests.isolation_case import Case


def _order(tenant: Tenant, *, review: bool = False) -> Order:
    from tests.builders import buyer_make
    from tests.orders.builders import order_build, review_orders, shop_build
    from tests.test_isolation import pk_unused_elsewhere

    skus = shop_build(tenant, [Tenant.objects.get(slug="acme")], prefix="ISO")
    buyer = buyer_make(
        tenant, email=f"iso-orders@{tenant.slug}.test", company_name=f"ISO 订单采购 {tenant.slug}"
    )
    if review:
        review_orders(tenant)
    with tenant_context(tenant):
        pk_unused_elsewhere(Order)
    order = order_build(tenant, buyer, [(skus["acme"][0], 1)])
    connection.set_tenant(tenant)  # the builders leave the public schema active
    return order


def orders_made(tenant: Tenant):
    return {}, _order(tenant).number


def order_made(tenant: Tenant):
    order = _order(tenant)
    return {"pk": order.pk}, order.number


def review_made(tenant: Tenant):
    order = _order(tenant, review=True)
    return {"pk": order.pk}, order.number


def company_made(tenant: Tenant):
    order = _order(tenant)
    return {}, order.company.name


def _status_is(status: str):
    def check(kwargs: dict) -> bool:
        return Order.objects.get(pk=kwargs["pk"]).status == status

    return check


still_in_review = _status_is(OrderStatus.REVIEW)
still_placed = _status_is(OrderStatus.PLACED)


def payment_made(tenant: Tenant):
    from tests.test_isolation import pk_unused_elsewhere

    order = _order(tenant)
    pk_unused_elsewhere(Payment)
    payment = Payment.objects.create(
        order=order,
        method=PaymentMethod.BANK_TRANSFER,
        amount=order.total,
        reference=f"ISO-{tenant.slug}",
    )
    return {"pk": order.pk, "payment_id": payment.pk}, order.number


def payment_pending(kwargs: dict) -> bool:
    payment = Payment.objects.get(pk=kwargs["payment_id"])
    return payment.status == PaymentRecordStatus.PENDING


def shipping_made(tenant: Tenant):
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(ShippingMethod)
    method = ShippingMethod.objects.create(name=f"ISO 快递 {tenant.slug}", base_fee=Decimal("9"))
    return {"pk": method.pk}, method.name


def shipping_listed(tenant: Tenant):
    return {}, shipping_made(tenant)[1]


def shipping_kept(kwargs: dict) -> bool:
    method = ShippingMethod.objects.get(pk=kwargs["pk"])
    return method.name.startswith("ISO 快递") and method.base_fee == Decimal("9.00")


def settings_made(tenant: Tenant):
    settings = OrderSettings.current()
    settings.bank_account = f"ISO 银行账户 {tenant.slug}"
    settings.save(update_fields=["bank_account"])
    return {}, settings.bank_account


SHIPPING_POST = {
    "name": "changed from outside",
    "base_fee": "0",
    "per_item_fee": "0",
    "position": "0",
    "is_active": "on",
}

CASES: list[Case] = [
    Case("dealer-orders:order-list", make=orders_made, types=("dealer",)),
    Case("dealer-orders:order-create", make=company_made, types=("dealer",)),
    Case("dealer-orders:order-detail", make=order_made, types=("dealer",)),
    Case(
        "dealer-orders:order-release",
        make=review_made,
        types=("dealer",),
        method="post",
        home_status=302,
        intact=still_in_review,
    ),
    Case(
        "dealer-orders:order-cancel",
        make=order_made,
        types=("dealer",),
        method="post",
        home_status=302,  # at home without a reason: "say why", nothing cancelled
        post={"reason": "cancelled from outside"},
        intact=still_placed,
    ),
    Case(
        "dealer-orders:payment-confirm",
        make=payment_made,
        types=("dealer",),
        method="post",
        home_status=302,
        intact=payment_pending,
    ),
    Case(
        "dealer-orders:payment-reject",
        make=payment_made,
        types=("dealer",),
        method="post",
        home_status=302,
        post={"reason": "rejected from outside"},
        intact=payment_pending,
    ),
    Case("dealer-orders:shipping-list", make=shipping_listed, types=("dealer",)),
    Case(
        "dealer-orders:shipping-update",
        make=shipping_made,
        types=("dealer",),
        post=SHIPPING_POST,
        intact=shipping_kept,
    ),
    Case("dealer-orders:settings", make=settings_made, types=("dealer",)),
]

EXEMPT: dict[str, str] = {
    "dealer-orders:order-export": (
        "a streamed CSV of the visitor's own schema: tests/dealer_orders/test_views.py::"
        "test_export_at_another_dealer_has_none_of_this_dealers_orders"
    ),
    "dealer-orders:order-import": (
        "imports into the visitor's own schema, resolving buyers there: tests/dealer_orders/"
        "test_import.py::test_an_import_at_another_dealer_finds_none_of_this_dealers_buyers"
    ),
    "dealer-orders:order-import-template": "a static CSV template, the same on every domain",
    "dealer-orders:shipping-create": "a form; what it creates lands in the visitor's own schema",
}
