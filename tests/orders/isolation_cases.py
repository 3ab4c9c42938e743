"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

The buyer's cart, checkout, orders and payments on a dealer's storefront (``shop:``). Every
``make`` runs in the home dealer's schema (delta) and makes the data of delta's isolation
buyer (``tests.test_isolation.buyer_email``); the other dealer's buyer, signed in at omega,
must see none of it and reach none of it by id.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Notification, User
from accounts.notifications import notification_send
from buyers.models import Buyer
from orders.models import CartLine, Order, OrderStatus, Payment, PaymentMethod
from tenants.models import Tenant
from tests.builders import PDF_BYTES
from tests.isolation_case import Case


def _buyer(tenant: Tenant) -> User:
    from tests.test_isolation import buyer_email

    return User.objects.get(email=buyer_email(tenant))


def _skus(tenant: Tenant, prefix: str):
    """One phone of acme (2 SKUs), listed by the home dealer; back in its schema after."""
    from tests.orders.builders import shop_build

    skus = shop_build(tenant, [Tenant.objects.get(slug="acme")], prefix=f"{prefix}-{tenant.slug}")
    return skus["acme"]


def _order_ids_past_supplier_orders() -> None:
    """Supplier domains serve /orders/<pk>/ too (their own orders): the home order's id must
    be no supplier order's id either, so that "404 there" is a real check."""
    with connection.cursor() as cursor:
        highest = 0
        for schema in Tenant.objects.filter(type="supplier").values_list("schema_name", flat=True):
            table = f'"{schema}"."fulfilment_supplierorder"'
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if cursor.fetchone()[0]:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                highest = max(highest, cursor.fetchone()[0])
        cursor.execute("SELECT pg_get_serial_sequence('orders_order', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value FROM {sequence}")
        cursor.execute("SELECT setval(%s, %s)", [sequence, max(cursor.fetchone()[0], highest) + 1])


def _order(tenant: Tenant, method=PaymentMethod.BANK_TRANSFER, quantity: int = 7) -> Order:
    """An order of the home buyer: 7 units of ¥2,000.00 and ¥12.00 shipping, ¥14,012.00
    (its supplier sees its own number and supply prices, never this total)."""
    from orders.workflow.checkout import order_place
    from tests.orders.builders import checkout_request
    from tests.test_isolation import pk_unused_elsewhere

    skus = _skus(tenant, "ISO-ORDER")
    with tenant_context(tenant):
        pk_unused_elsewhere(Order)
        pk_unused_elsewhere(Payment)
        _order_ids_past_supplier_orders()
        order, _created = order_place(
            checkout_request(_buyer(tenant), [(skus[0], quantity)], payment_method=method)
        )
    return order


def cart_made(tenant: Tenant):
    skus = _skus(tenant, "ISO-CART")
    from orders.cart import cart_add

    with tenant_context(tenant):
        cart_add(user=_buyer(tenant), dealer_id=tenant.pk, offer_sku_id=skus[0].pk, quantity=1)
    return {}, skus[0].offer.name


def order_made(tenant: Tenant):
    order = _order(tenant)
    return {"pk": order.pk}, order.number


def orders_made(tenant: Tenant):
    order = _order(tenant)
    return {}, f"¥{order.total:,.2f}"


def api_orders_made(tenant: Tenant):
    """The buyer API's order list shows numbers (JSON has no formatted totals)."""
    order = _order(tenant)
    return {}, order.number


def online_order_made(tenant: Tenant):
    order = _order(tenant, PaymentMethod.ONLINE)
    return {"pk": order.pk}, order.number


def order_placed(kwargs: dict) -> bool:
    return Order.objects.get(pk=kwargs["pk"]).status == OrderStatus.PLACED


def order_unpaid_and_cart_empty(kwargs: dict) -> bool:
    order = Order.objects.get(pk=kwargs["pk"])
    return (
        order.status == OrderStatus.PLACED
        and not Payment.objects.filter(order=order).exists()
        and not CartLine.objects.filter(user_id=order.buyer_id).exists()
    )


def sandbox_payment_made(tenant: Tenant):
    from orders.payments import payment_online_start

    order = _order(tenant, PaymentMethod.ONLINE)
    with tenant_context(tenant):
        company_id = Buyer.objects.get(user_id=order.buyer_id).company_id
        payment, _url = payment_online_start(order_id=order.pk, company_id=company_id)
    # (not the reference: it is in the path, which pages echo in their language switcher)
    return {"reference": payment.reference}, f"¥{payment.amount:,.2f}"


def sandbox_payment_pending(kwargs: dict) -> bool:
    payment = Payment.objects.select_related("order").get(reference=kwargs["reference"])
    return payment.status == "pending" and payment.order.payment_status == "unpaid"


def proof_made(tenant: Tenant):
    from orders.payments import payment_proof_submit

    marker = f"ISO-PROOF-{tenant.slug}"
    order = _order(tenant)
    with tenant_context(tenant):
        company_id = Buyer.objects.get(user_id=order.buyer_id).company_id
        content = PDF_BYTES.replace(b"%%EOF", f"% {marker}\n%%EOF".encode())
        payment = payment_proof_submit(
            order_id=order.pk,
            company_id=company_id,
            upload=SimpleUploadedFile("proof.pdf", content),
            actor=None,
        )
    return {"pk": payment.pk}, marker


def notifications_made(tenant: Tenant):
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(Notification)
    marker = f"ISO-NOTE-{tenant.slug}"
    notification_send(recipients=[_buyer(tenant)], kind="test", title=marker, link="/orders/")
    return {}, marker


def notification_made(tenant: Tenant):
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(Notification)
    marker = f"ISO-NOTE-{tenant.slug}"
    [notification] = notification_send(
        recipients=[_buyer(tenant)], kind="test", title=marker, link="/orders/"
    )
    return {"pk": notification.pk}, marker


def notification_unread(kwargs: dict) -> bool:
    return Notification.objects.get(pk=kwargs["pk"]).read_at is None


DEALER = ("dealer",)

CASES: list[Case] = [
    Case("shop:cart", make=cart_made, types=DEALER, who="buyer"),
    Case("shop:checkout", make=cart_made, types=DEALER, who="buyer"),
    Case("shop:order-list", make=orders_made, types=DEALER, who="buyer"),
    Case("shop:order-detail", make=order_made, types=DEALER, who="buyer"),
    Case(
        "shop:order-cancel",
        make=order_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        post={"reason": "cancelled from outside"},
        intact=order_placed,
    ),
    Case(
        "shop:order-receipt",
        make=order_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=order_placed,
    ),
    Case(
        "shop:order-reorder",
        make=order_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=order_unpaid_and_cart_empty,
    ),
    Case(
        "shop:pay-start",
        make=online_order_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=order_unpaid_and_cart_empty,
    ),
    Case(
        "shop:payment-proof",
        make=order_made,
        types=DEALER,
        who="buyer",
        post={"proof": ""},
        intact=order_unpaid_and_cart_empty,
    ),
    Case(
        "shop:pay-sandbox",
        make=sandbox_payment_made,
        types=DEALER,
        who="buyer",
        post={"outcome": "succeeded"},
        intact=sandbox_payment_pending,
    ),
    Case("shop:payment-proof-file", make=proof_made, types=DEALER, who="buyer"),
    Case("shop:notifications", make=notifications_made, types=DEALER, who="buyer"),
    Case(
        "shop:notification-read",
        make=notification_made,
        types=DEALER,
        who="buyer",
        method="post",
        home_status=302,
        intact=notification_unread,
    ),
    # The buyer's JSON API (orders/api/), /api/v1/ on the dealer's domain.
    Case("orders-api:cart", make=cart_made, types=DEALER, who="buyer"),
    Case("orders-api:order-list", make=api_orders_made, types=DEALER, who="buyer"),
    Case(
        "orders-api:order-detail",
        make=order_made,
        types=DEALER,
        who="buyer",
        post={"address": "1"},
        intact=order_placed,
    ),
]

_OWN_CART = (
    "POST-only, changes the signed-in buyer's own cart (rows keyed by that user, in the "
    "domain's schema): tests/orders/test_cart.py::test_cart_is_each_buyers_own"
)
EXEMPT: dict[str, str] = {
    "shop:cart-add": (
        "adds only offers this dealer lists: tests/orders/test_cart.py::"
        "test_a_sku_another_dealer_does_not_sell_cannot_be_added"
    ),
    "shop:cart-update": _OWN_CART,
    "shop:cart-remove": _OWN_CART,
    "shop:cart-clear": _OWN_CART,
    "orders-api:cart-lines": (
        "POST-only, adds to the signed-in buyer's own cart only offers this dealer lists: "
        "tests/orders/test_api.py::test_adding_a_sku_this_dealer_does_not_sell_is_refused"
    ),
    "shop:quick-order": (
        "a form; codes resolve only among this dealer's listings: tests/orders/test_cart.py::"
        "test_quick_order_does_not_find_another_dealers_products"
    ),
}
