"""The whole journey across three tenants, through the workflow services each party's pages
call: a buyer at dealer delta orders from suppliers acme and beta; both confirm and ship; the
buyer confirms receipt; one line is returned and refunded — and settlement sees it."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from fulfilment.models import SupplierAfterSales, SupplierOrder
from orders.models import (
    AfterSalesKind,
    AfterSalesStatus,
    Order,
    OrderLine,
    OrderSplit,
    OrderStatus,
    Refund,
    SplitStatus,
)
from orders.workflow import aftersales
from orders.workflow.checkout import order_place
from orders.workflow.fulfilment import shipment_create, supplier_order_confirm
from orders.workflow.lifecycle import order_receipt_confirm
from routing.models import OrderRoute, RouteLine, ShipmentTrack
from routing.selectors import order_tracks
from supplychain.models import StockLevel
from tests.orders.builders import checkout_request


def _stock(supplier, sku_id) -> tuple[int, int]:
    with tenant_context(supplier):
        rows = list(StockLevel.objects.filter(sku_id=sku_id))
    return sum(r.on_hand for r in rows), sum(r.reserved for r in rows)


def test_order_two_suppliers_ship_receive_return_refund(
    dealer, supplier_a, supplier_b, shop, buyer
):
    acme_sku, beta_sku = shop["acme"][0], shop["beta"][0]

    # 1. The buyer orders 3 of acme's SKU and 2 of beta's at delta.
    with tenant_context(dealer):
        order, _created = order_place(checkout_request(buyer, [(acme_sku, 3), (beta_sku, 2)]))
        splits = {s.supplier_id: s for s in OrderSplit.objects.filter(order=order)}
    assert set(splits) == {supplier_a.pk, supplier_b.pk}

    # 2. Two supplier orders in two schemas; each confirms and ships.
    parcels = {}
    for supplier, sku, quantity in ((supplier_a, acme_sku, 3), (supplier_b, beta_sku, 2)):
        with tenant_context(supplier):
            supplier_order = SupplierOrder.objects.get(pk=splits[supplier.pk].supplier_order_id)
            assert supplier_order.dealer_order_number == order.number
            supplier_order_confirm(
                supplier_order_id=supplier_order.pk,
                actor=None,
                promised_ship_date=timezone.localdate(),
            )
            line = supplier_order.lines.get()
            parcels[supplier.slug] = shipment_create(
                supplier_order_id=supplier_order.pk,
                actor=None,
                carrier_code="sf",
                tracking_number=f"SFJOURNEY{supplier.slug.upper()}",
                lines={line.pk: quantity},
            )
        assert _stock(supplier, sku.sku_id) == (50 - quantity, 0)  # shipped out of stock
    connection.set_schema_to_public()
    with tenant_context(dealer):
        order = Order.objects.get(pk=order.pk)
        assert order.status == OrderStatus.SHIPPED
        # The buyer's tracking timeline shows both parcels.
        tracks = order_tracks(dealer_id=dealer.pk, dealer_order_id=order.pk)
        assert sorted(t.tracking_number for t in tracks) == ["SFJOURNEYACME", "SFJOURNEYBETA"]

        # 3. The buyer confirms receipt.
        order = order_receipt_confirm(order_id=order.pk, actor=buyer)
        assert order.status == OrderStatus.COMPLETED
        assert set(OrderSplit.objects.filter(order=order).values_list("status", flat=True)) == {
            SplitStatus.RECEIVED
        }
        acme_line = OrderLine.objects.get(order=order, offer_sku_id=acme_sku.pk)

        # 4. One unit of acme's line goes back.
        request = aftersales.aftersales_request(
            order_id=order.pk,
            line_id=acme_line.pk,
            buyer=buyer,
            kind=AfterSalesKind.RETURN,
            quantity=1,
            reason="damaged",
        )
        request = aftersales.aftersales_dealer_decide(
            request_id=request.pk, actor=None, approve=True
        )
    with tenant_context(supplier_a):
        copy = SupplierAfterSales.objects.get(dealer_request_id=request.pk)
        aftersales.aftersales_supplier_decide(supplier_request_id=copy.pk, actor=None, approve=True)
    with tenant_context(dealer):
        aftersales.aftersales_return_ship(
            request_id=request.pk, buyer=buyer, carrier_code="sf", tracking_number="SFRETURN1"
        )
    with tenant_context(supplier_a):
        aftersales.aftersales_receive(supplier_request_id=copy.pk, actor=None, resellable=True)
    assert _stock(supplier_a, acme_sku.sku_id) == (48, 0)  # the returned unit is back

    # 5. The refund is recorded, once, everywhere it matters.
    with tenant_context(dealer):
        refund = aftersales.aftersales_refund(request_id=request.pk, actor=None, reference="BANK-9")
        assert refund.amount == acme_line.unit_price
        assert Refund.objects.filter(order=order).count() == 1
        assert Order.objects.get(pk=order.pk).refunded_total == refund.amount
        assert _aftersales_status(request.pk) == AfterSalesStatus.REFUNDED
    with tenant_context(supplier_a):
        assert SupplierAfterSales.objects.get(pk=copy.pk).credit_amount == refund.supply_amount
    connection.set_schema_to_public()
    assert ShipmentTrack.objects.filter(tracking_number="SFRETURN1", kind="return").exists()
    line = RouteLine.objects.get(dealer=dealer, dealer_line_id=acme_line.pk)
    assert (line.status, line.refunded_amount) == ("received", refund.amount)
    assert OrderRoute.objects.filter(dealer=dealer, dealer_order_id=order.pk).count() == 2
    assert set(
        OrderRoute.objects.filter(dealer_order_id=order.pk, dealer=dealer).values_list(
            "status", flat=True
        )
    ) == {SplitStatus.RECEIVED}
    assert refund.amount > Decimal(0)


def _aftersales_status(request_id: int) -> str:  # noqa: N802 - reads like the status it returns
    from orders.models import AfterSalesRequest

    return AfterSalesRequest.objects.get(pk=request_id).status
