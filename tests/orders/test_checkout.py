"""Placing an order: split per supplier across schemas in one transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from fulfilment.models import StockReservation, SupplierOrder, SupplierOrderLine
from orders.models import Order, OrderLine, OrderSplit, OrderStatus, SplitStatus
from orders.workflow.checkout import CheckoutError, IdempotencyConflict, order_place
from routing.models import OrderRoute, RouteLine
from supplychain.models import StockLevel
from tests.orders.builders import checkout_request, review_orders


@pytest.fixture(autouse=True)
def _english():
    """The workflow's messages in English whatever an earlier test activated, so the
    assertions below can read them (the platform's default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _stock(supplier, offer_sku) -> tuple[int, int]:
    with tenant_context(supplier):
        rows = StockLevel.objects.filter(sku_id=offer_sku.sku_id)
        return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)


def _counts(dealer, suppliers) -> dict:
    counts = {"routes": OrderRoute.objects.filter(dealer=dealer).count()}
    with tenant_context(dealer):
        counts["orders"] = Order.objects.count()
        counts["lines"] = OrderLine.objects.count()
    for supplier in suppliers:
        with tenant_context(supplier):
            counts[supplier.slug] = SupplierOrder.objects.count()
            counts[f"{supplier.slug}-reserved"] = sum(
                StockLevel.objects.values_list("reserved", flat=True)
            )
    connection.set_schema_to_public()
    return counts


def test_an_order_of_two_suppliers_becomes_two_supplier_orders_in_their_own_schemas(
    dealer, supplier_a, supplier_b, shop, buyer
):
    acme_sku, beta_sku = shop["acme"][0], shop["beta"][1]
    with tenant_context(dealer):
        order, created = order_place(checkout_request(buyer, [(acme_sku, 3), (beta_sku, 2)]))
        splits = list(OrderSplit.objects.filter(order=order).order_by("supplier_id"))
        lines = list(OrderLine.objects.filter(order=order))
        assert created and order.status == OrderStatus.PLACED
        assert [s.supplier_id for s in splits] == sorted([supplier_a.pk, supplier_b.pk])
        assert {s.status for s in splits} == {SplitStatus.PENDING}
        assert order.goods_total == sum(line.line_total for line in lines)
        assert order.total == order.goods_total + Decimal("12.00")
        assert all(line.supplier_line_id for line in lines)

    for supplier, sku, quantity in ((supplier_a, acme_sku, 3), (supplier_b, beta_sku, 2)):
        split = next(s for s in splits if s.supplier_id == supplier.pk)
        with tenant_context(supplier):
            supplier_order = SupplierOrder.objects.get(pk=split.supplier_order_id)
            line = SupplierOrderLine.objects.get(order=supplier_order)
            assert supplier_order.number == split.supplier_order_number
            assert supplier_order.dealer_order_number == order.number
            assert (line.sku_id, line.quantity) == (sku.sku_id, quantity)
            assert sum(r.quantity for r in StockReservation.objects.filter(line=line)) == quantity
        assert _stock(supplier, sku) == (50, quantity)
        route = OrderRoute.objects.get(dealer=dealer, dealer_split_id=split.pk)
        assert (route.supplier_id, route.supplier_order_id) == (
            supplier.pk,
            split.supplier_order_id,
        )

    # The other supplier's order is not in a supplier's schema, nor the buyer's other line.
    with tenant_context(supplier_a):
        assert not SupplierOrderLine.objects.filter(sku_code=beta_sku.code).exists()


def test_a_short_line_leaves_nothing_anywhere_and_says_which_line(
    dealer, supplier_a, supplier_b, shop, buyer
):
    before = _counts(dealer, [supplier_a, supplier_b])
    acme_sku, beta_sku = shop["acme"][0], shop["beta"][0]
    # The published availability says 50; the supplier's real stock is lower now.
    with tenant_context(supplier_b):
        StockLevel.objects.filter(sku_id=beta_sku.sku_id).update(on_hand=4)
    with tenant_context(dealer), pytest.raises(CheckoutError) as refused:
        order_place(checkout_request(buyer, [(acme_sku, 3), (beta_sku, 5)]))
    assert list(refused.value.line_errors) == [beta_sku.pk]
    assert "4" in refused.value.line_errors[beta_sku.pk]
    assert _counts(dealer, [supplier_a, supplier_b]) == before


def test_a_failure_in_the_second_suppliers_schema_leaves_nothing_in_the_first(
    dealer, supplier_a, supplier_b, shop, buyer
):
    """A real database error in the second supplier's schema (a trigger refusing the supplier
    order) rolls back the first supplier's order and reservation, the dealer's order and the
    public routes."""
    before = _counts(dealer, [supplier_a, supplier_b])
    second = max(supplier_a, supplier_b, key=lambda t: t.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION "{second.schema_name}".refuse() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'supplier schema refuses'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse BEFORE INSERT ON "{second.schema_name}".fulfilment_supplierorder
            FOR EACH ROW EXECUTE FUNCTION "{second.schema_name}".refuse();
            """
        )
    with tenant_context(dealer), pytest.raises(Exception, match="supplier schema refuses"):
        order_place(checkout_request(buyer, [(shop["acme"][0], 1), (shop["beta"][0], 1)]))
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER refuse ON "{second.schema_name}".fulfilment_supplierorder')
    assert _counts(dealer, [supplier_a, supplier_b]) == before


def test_the_same_idempotency_key_returns_the_same_order_and_refuses_other_contents(
    dealer, supplier_a, shop, buyer
):
    sku = shop["acme"][0]
    with tenant_context(dealer):
        first, created = order_place(checkout_request(buyer, [(sku, 2)], key="checkout-key-1"))
        again, created_again = order_place(
            checkout_request(buyer, [(sku, 2)], key="checkout-key-1")
        )
        assert created and not created_again and again.pk == first.pk
        with pytest.raises(IdempotencyConflict):
            order_place(checkout_request(buyer, [(sku, 3)], key="checkout-key-1"))
        assert Order.objects.filter(idempotency_key="checkout-key-1").count() == 1
    assert _stock(supplier_a, sku) == (50, 2)


def test_with_dealer_review_the_stock_is_held_and_suppliers_wait(dealer, supplier_a, shop, buyer):
    from orders.workflow.lifecycle import order_release

    review_orders(dealer)
    sku = shop["acme"][0]
    with tenant_context(dealer):
        order, _ = order_place(checkout_request(buyer, [(sku, 1)]))
        assert order.status == OrderStatus.REVIEW
    with tenant_context(supplier_a):
        assert SupplierOrder.objects.get().status == SplitStatus.HELD
    assert _stock(supplier_a, sku) == (50, 1)
    with tenant_context(dealer):
        order = order_release(order_id=order.pk, actor=None)
        assert order.status == OrderStatus.PLACED
    with tenant_context(supplier_a):
        assert SupplierOrder.objects.get().status == SplitStatus.PENDING


def test_cancelling_releases_every_reservation(dealer, supplier_a, supplier_b, shop, buyer):
    from orders.workflow.lifecycle import order_cancel

    acme_sku, beta_sku = shop["acme"][0], shop["beta"][0]
    with tenant_context(dealer):
        order, _ = order_place(checkout_request(buyer, [(acme_sku, 2), (beta_sku, 1)]))
        order = order_cancel(order_id=order.pk, actor=buyer, reason="ordered twice", by="buyer")
        assert order.status == OrderStatus.CANCELLED
        assert set(OrderSplit.objects.values_list("status", flat=True)) == {SplitStatus.CANCELLED}
    assert _stock(supplier_a, acme_sku) == (50, 0)
    assert _stock(supplier_b, beta_sku) == (50, 0)
    assert set(OrderRoute.objects.filter(dealer=dealer).values_list("status", flat=True)) == {
        SplitStatus.CANCELLED
    }
    assert set(RouteLine.objects.filter(dealer=dealer).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_on_account_needs_terms_and_credit(dealer, shop):
    from orders.models import PaymentMethod
    from tests.builders import buyer_make

    plain = buyer_make(dealer, email="cash@buyer.test", company_name="Cash Co")
    trusted = buyer_make(
        dealer,
        email="terms@buyer.test",
        company_name="Terms Co",
        on_account=True,
        credit_limit="3000.00",
    )
    sku = shop["acme"][0]
    with tenant_context(dealer):
        with pytest.raises(CheckoutError, match="not been granted"):
            order_place(
                checkout_request(plain, [(sku, 1)], payment_method=PaymentMethod.ON_ACCOUNT)
            )
        with pytest.raises(CheckoutError, match="exceeds your remaining credit"):
            order_place(
                checkout_request(trusted, [(sku, 10)], payment_method=PaymentMethod.ON_ACCOUNT)
            )
        order, _ = order_place(
            checkout_request(trusted, [(sku, 1)], payment_method=PaymentMethod.ON_ACCOUNT)
        )
        assert order.payment_status == "on_account" and order.payment_due is not None


def test_the_buyer_cannot_cancel_once_any_supplier_confirmed(
    dealer, supplier_a, supplier_b, shop, buyer
):
    from django.utils import timezone

    from orders.workflow.common import WorkflowError
    from orders.workflow.fulfilment import supplier_order_confirm
    from orders.workflow.lifecycle import order_cancel

    acme_sku, beta_sku = shop["acme"][0], shop["beta"][0]
    with tenant_context(dealer):
        order, _ = order_place(checkout_request(buyer, [(acme_sku, 1), (beta_sku, 1)]))
        acme_split = OrderSplit.objects.get(order=order, supplier_id=supplier_a.pk)
    with tenant_context(supplier_a):
        supplier_order_confirm(
            supplier_order_id=acme_split.supplier_order_id,
            actor=None,
            promised_ship_date=timezone.localdate(),
        )
    with tenant_context(dealer):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED  # beta has not
        with pytest.raises(WorkflowError, match="a supplier has confirmed it"):
            order_cancel(order_id=order.pk, actor=buyer, reason="changed my mind", by="buyer")
        # The dealer still may, until anything ships: both reservations go back.
        order = order_cancel(order_id=order.pk, actor=None, reason="buyer asked", by="dealer")
        assert order.status == OrderStatus.CANCELLED
    assert _stock(supplier_a, acme_sku) == (50, 0)
    assert _stock(supplier_b, beta_sku) == (50, 0)
