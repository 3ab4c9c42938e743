"""Receipt confirmed automatically after the dealer's auto-receipt days."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from fulfilment.models import SupplierOrder
from orders.models import Order, OrderSettings, OrderStatus, SplitStatus
from orders.tasks import receipt_auto_confirm_sweep
from orders.workflow.fulfilment import shipment_create, supplier_order_confirm
from tests.fulfilment.builders import order_build
from tests.fulfilment.test_workflow import TOMORROW


def _shipped(supplier, dealer, actor, tracking_number):
    built = order_build(supplier=supplier, dealer=dealer)
    with tenant_context(supplier):
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id, actor=actor, promised_ship_date=TOMORROW
        )
        shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=actor,
            carrier_code="sf",
            tracking_number=tracking_number,
            lines={built.supplier_line_ids[0]: 3},
        )
    return built


def _days_ago(dealer, built, days):
    with tenant_context(dealer):
        Order.objects.filter(pk=built.dealer_order_id).update(
            shipped_at=timezone.now() - timedelta(days=days)
        )


def test_shipped_orders_are_received_after_the_dealers_days_and_not_before(
    supplier_a, dealer, acme_staff
):
    with tenant_context(dealer):
        settings = OrderSettings.current()
        settings.auto_receipt_days = 7
        settings.save()
    old = _shipped(supplier_a, dealer, acme_staff, "SF-R1")
    recent = _shipped(supplier_a, dealer, acme_staff, "SF-R2")
    _days_ago(dealer, old, 8)
    _days_ago(dealer, recent, 6)

    assert receipt_auto_confirm_sweep() >= 1
    with tenant_context(dealer):
        statuses = dict(
            Order.objects.filter(pk__in=[old.dealer_order_id, recent.dealer_order_id]).values_list(
                "pk", "status"
            )
        )
    assert statuses == {
        old.dealer_order_id: OrderStatus.COMPLETED,
        recent.dealer_order_id: OrderStatus.SHIPPED,
    }
    with tenant_context(supplier_a):
        received = SupplierOrder.objects.get(pk=old.supplier_order_id)
        assert received.status == SplitStatus.RECEIVED and received.received_at is not None
        assert SupplierOrder.objects.get(pk=recent.supplier_order_id).status == "shipped"

    # Run again: nothing more happens to the completed one; the recent one waits its turn.
    receipt_auto_confirm_sweep()
    with tenant_context(dealer):
        assert Order.objects.get(pk=recent.dealer_order_id).status == OrderStatus.SHIPPED
    _days_ago(dealer, recent, 7)
    receipt_auto_confirm_sweep()
    with tenant_context(dealer):
        assert Order.objects.get(pk=recent.dealer_order_id).status == OrderStatus.COMPLETED
