"""Confirm, reject, ship and track: what each step does on all three sides (supplier, dealer,
public) and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Notification, Role, User
from fulfilment.models import Shipment, StockReservation, SupplierOrder, SupplierOrderLine
from orders.models import Order, OrderLine, OrderSplit, OrderStatus, SplitStatus
from orders.states import TransitionError
from orders.workflow.common import WorkflowError
from orders.workflow.fulfilment import (
    shipment_create,
    supplier_order_confirm,
    supplier_order_reject,
    tracking_event_add,
)
from routing.models import OrderRoute, ShipmentTrack, TrackingEvent, TrackStatus
from tests.builders import buyer_make
from tests.fulfilment.builders import order_build, stock_of

TOMORROW = timezone.localdate() + timedelta(days=1)


def _supplier_order(supplier, pk):
    with tenant_context(supplier):
        return SupplierOrder.objects.get(pk=pk)


def _dealer_state(dealer, built):
    with tenant_context(dealer):
        order = Order.objects.get(pk=built.dealer_order_id)
        split = OrderSplit.objects.get(pk=built.split_id)
        lines = list(
            OrderLine.objects.filter(pk__in=built.dealer_line_ids)
            .order_by("pk")
            .values_list("shipped_quantity", flat=True)
        )
    return order, split, lines


def _confirmed(supplier, dealer, actor, **kwargs):
    built = order_build(supplier=supplier, dealer=dealer, **kwargs)
    with tenant_context(supplier):
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id, actor=actor, promised_ship_date=TOMORROW
        )
    return built


# --- Confirm ------------------------------------------------------------------------------------


def test_confirm_moves_supplier_order_dealer_part_and_route_and_tells_the_dealer(
    supplier_a, dealer, acme_staff
):
    with tenant_context(dealer):
        manager = User.objects.create_user(email="boss@delta.test", role=Role.MANAGER)
    built = order_build(supplier=supplier_a, dealer=dealer)
    with tenant_context(supplier_a):
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            promised_ship_date=TOMORROW,
        )
    supplier_order = _supplier_order(supplier_a, built.supplier_order_id)
    assert supplier_order.status == SplitStatus.CONFIRMED
    assert supplier_order.promised_ship_date == TOMORROW
    assert supplier_order.confirmed_at is not None
    order, split, _lines = _dealer_state(dealer, built)
    assert split.status == SplitStatus.CONFIRMED and split.promised_ship_date == TOMORROW
    assert order.status == OrderStatus.CONFIRMED
    assert OrderRoute.objects.get(pk=built.route_id).status == SplitStatus.CONFIRMED
    with tenant_context(dealer):
        told = set(
            Notification.objects.filter(kind="order.confirmed").values_list(
                "recipient_id", flat=True
            )
        )
    assert {manager.pk, built.buyer_id} <= told


def test_confirm_refuses_a_ship_date_in_the_past(supplier_a, dealer, acme_staff, in_acme):
    built = order_build(supplier=supplier_a, dealer=dealer)
    with pytest.raises(WorkflowError, match="cannot be in the past"):
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            promised_ship_date=timezone.localdate() - timedelta(days=1),
        )
    assert SupplierOrder.objects.get(pk=built.supplier_order_id).status == SplitStatus.PENDING


# --- Reject -------------------------------------------------------------------------------------


def test_reject_releases_every_held_unit_and_cancels_the_dealers_part(
    supplier_a, dealer, acme_staff
):
    # Line 1 held in two warehouses (2 in SH01, 1 in BJ01), line 2 in SH01.
    built = order_build(
        supplier=supplier_a,
        dealer=dealer,
        lines=[[("SH01", 10, 2), ("BJ01", 5, 1)], [("SH01", 8, 4)]],
    )
    levels = [level for line in built.holds for level, _held in line]
    assert [stock_of(supplier_a, pk) for pk in levels] == [(10, 2), (5, 1), (8, 4)]
    with tenant_context(supplier_a):
        supplier_order_reject(
            supplier_order_id=built.supplier_order_id, actor=acme_staff, reason="停产了"
        )
        assert not StockReservation.objects.filter(
            line__order_id=built.supplier_order_id, quantity__gt=0
        ).exists()
    assert [stock_of(supplier_a, pk) for pk in levels] == [(10, 0), (5, 0), (8, 0)]
    supplier_order = _supplier_order(supplier_a, built.supplier_order_id)
    assert supplier_order.status == SplitStatus.REJECTED and supplier_order.reason == "停产了"
    order, split, _lines = _dealer_state(dealer, built)
    assert split.status == SplitStatus.REJECTED and split.reason == "停产了"
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    with tenant_context(dealer):
        assert Notification.objects.filter(
            recipient_id=built.buyer_id, kind="order.rejected", body__contains="停产了"
        ).exists()


def test_reject_needs_a_reason(supplier_a, dealer, acme_staff, in_acme):
    built = order_build(supplier=supplier_a, dealer=dealer)
    with pytest.raises(WorkflowError, match="why"):
        supplier_order_reject(
            supplier_order_id=built.supplier_order_id, actor=acme_staff, reason=" "
        )
    assert SupplierOrder.objects.get(pk=built.supplier_order_id).status == SplitStatus.PENDING
    assert stock_of(supplier_a, built.holds[0][0][0]) == (10, 3)


def test_a_rejected_order_cannot_be_confirmed(supplier_a, dealer, acme_staff, in_acme):
    built = order_build(supplier=supplier_a, dealer=dealer)
    supplier_order_reject(supplier_order_id=built.supplier_order_id, actor=acme_staff, reason="x")
    with pytest.raises(TransitionError) as refused:
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            promised_ship_date=TOMORROW,
        )
    assert str(refused.value) == (
        f"Supplier order {built.number} is “Rejected by the supplier” and cannot become "
        "“Confirmed”."
    )


# --- Ship ---------------------------------------------------------------------------------------


def test_a_pending_order_cannot_be_shipped(supplier_a, dealer, acme_staff, in_acme):
    built = order_build(supplier=supplier_a, dealer=dealer)
    with pytest.raises(
        TransitionError, match="“Awaiting confirmation” and cannot become “Shipped”"
    ):
        shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            carrier_code="sf",
            tracking_number="SF100",
            lines={built.supplier_line_ids[0]: 1},
        )
    assert stock_of(supplier_a, built.holds[0][0][0]) == (10, 3)
    assert not ShipmentTrack.objects.filter(tracking_number="SF100").exists()


def test_a_shipment_takes_held_units_out_of_stock_on_both_sides(supplier_a, dealer, acme_staff):
    built = _confirmed(
        supplier_a,
        dealer,
        acme_staff,
        lines=[[("SH01", 10, 2), ("BJ01", 5, 1)], [("SH01", 8, 4)]],
    )
    first, second = built.supplier_line_ids
    with tenant_context(supplier_a):
        shipment = shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            carrier_code="sf",
            tracking_number="SF200",
            lines={first: 3, second: 1},
        )
        assert shipment.lines.count() == 2
        shipped = dict(SupplierOrderLine.objects.values_list("pk", "shipped_quantity"))
        reservations = list(
            StockReservation.objects.filter(line_id=first)
            .order_by("pk")
            .values_list("quantity", "shipped")
        )
    # Line 1: 2 from SH01 and 1 from BJ01 left the warehouses; line 2: 1 of 4 held.
    levels = [level for line in built.holds for level, _held in line]
    assert [stock_of(supplier_a, pk) for pk in levels] == [(8, 0), (4, 0), (7, 3)]
    assert reservations == [(0, 2), (0, 1)]
    assert shipped[first] == 3 and shipped[second] == 1
    order, split, dealer_shipped = _dealer_state(dealer, built)
    assert dealer_shipped == [3, 1]
    assert split.status == SplitStatus.PARTLY_SHIPPED
    assert order.status == OrderStatus.SHIPPING and order.shipped_at is None
    track = ShipmentTrack.objects.get(tracking_number="SF200")
    assert track.route_id == built.route_id and track.reference_id == shipment.pk
    assert list(track.events.values_list("status", flat=True)) == ["collected"]
    assert _supplier_order(supplier_a, built.supplier_order_id).status == "partly_shipped"


def test_the_last_shipment_completes_the_order(supplier_a, dealer, acme_staff):
    built = _confirmed(supplier_a, dealer, acme_staff, lines=[[("SH01", 10, 3)]])
    line = built.supplier_line_ids[0]
    with tenant_context(supplier_a):
        for number, quantity in (("SF301", 1), ("SF302", 2)):
            shipment_create(
                supplier_order_id=built.supplier_order_id,
                actor=acme_staff,
                carrier_code="sf",
                tracking_number=number,
                lines={line: quantity},
            )
        assert Shipment.objects.filter(order_id=built.supplier_order_id).count() == 2
    assert stock_of(supplier_a, built.holds[0][0][0]) == (7, 0)
    supplier_order = _supplier_order(supplier_a, built.supplier_order_id)
    assert supplier_order.status == SplitStatus.SHIPPED and supplier_order.shipped_at
    order, split, dealer_shipped = _dealer_state(dealer, built)
    assert (order.status, split.status, dealer_shipped) == ("shipped", "shipped", [3])
    assert order.shipped_at is not None
    assert OrderRoute.objects.get(pk=built.route_id).status == "shipped"


def test_more_than_is_left_to_ship_is_refused_and_changes_nothing(
    supplier_a, dealer, acme_staff, in_acme
):
    built = _confirmed(supplier_a, dealer, acme_staff)
    with pytest.raises(WorkflowError, match="4 to ship, but only 3 left"):
        shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            carrier_code="sf",
            tracking_number="SF400",
            lines={built.supplier_line_ids[0]: 4},
        )
    assert stock_of(supplier_a, built.holds[0][0][0]) == (10, 3)
    assert not Shipment.objects.exists()
    assert not ShipmentTrack.objects.filter(tracking_number="SF400").exists()


def test_the_same_tracking_number_twice_ships_once(supplier_a, dealer, acme_staff, in_acme):
    built = _confirmed(supplier_a, dealer, acme_staff, lines=[[("SH01", 10, 4)]])
    ship = dict(
        supplier_order_id=built.supplier_order_id,
        actor=acme_staff,
        carrier_code="sf",
        tracking_number="SF500",
        lines={built.supplier_line_ids[0]: 2},
    )
    shipment_create(**ship)
    with pytest.raises(WorkflowError, match="SF500 is already recorded"):
        shipment_create(**ship)
    assert stock_of(supplier_a, built.holds[0][0][0]) == (8, 2)
    assert Shipment.objects.filter(order_id=built.supplier_order_id).count() == 1
    assert SupplierOrderLine.objects.get(pk=built.supplier_line_ids[0]).shipped_quantity == 2


def test_shipping_emails_the_buyer_and_notifies_a_buyer_without_email(
    supplier_a, dealer, acme_staff, django_capture_on_commit_callbacks, celery_eager
):
    built = _confirmed(supplier_a, dealer, acme_staff)
    mail.outbox.clear()
    with tenant_context(supplier_a), django_capture_on_commit_callbacks(execute=True):
        shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            carrier_code="sf",
            tracking_number="SF600",
            lines={built.supplier_line_ids[0]: 3},
        )
    with tenant_context(dealer):
        email = User.objects.get(pk=built.buyer_id).email
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [email]
    assert "SF600" in mail.outbox[0].body and built.dealer_order_number in mail.outbox[0].subject

    phone_buyer = buyer_make(dealer, phone="13900000001", company_name="手机采购")
    other = _confirmed(supplier_a, dealer, acme_staff, buyer=phone_buyer)
    mail.outbox.clear()
    with tenant_context(supplier_a), django_capture_on_commit_callbacks(execute=True):
        shipment_create(
            supplier_order_id=other.supplier_order_id,
            actor=acme_staff,
            carrier_code="sf",
            tracking_number="SF601",
            lines={other.supplier_line_ids[0]: 3},
        )
    assert mail.outbox == []
    with tenant_context(dealer):
        assert Notification.objects.filter(
            recipient_id=phone_buyer.pk, kind="order.shipped", title__contains="SF601"
        ).exists()


# --- Tracking by hand -----------------------------------------------------------------------------


def test_staff_record_tracking_events_and_a_delivered_event_closes_the_parcel(
    supplier_a, supplier_b, dealer, acme_staff, in_acme
):
    built = _confirmed(supplier_a, dealer, acme_staff)
    shipment = shipment_create(
        supplier_order_id=built.supplier_order_id,
        actor=acme_staff,
        carrier_code="sf",
        tracking_number="SF700",
        lines={built.supplier_line_ids[0]: 3},
    )
    when = timezone.now() - timedelta(hours=1)
    tracking_event_add(
        supplier_id=supplier_a.pk,
        track_id=shipment.track_id,
        occurred_at=when,
        location="上海",
        status="delivered",
        description="本人签收",
        actor=acme_staff,
    )
    track = ShipmentTrack.objects.get(pk=shipment.track_id)
    assert track.status == TrackStatus.DELIVERED and track.delivered_at == when
    assert TrackingEvent.objects.filter(track=track).count() == 2
    # Another supplier cannot add to acme's parcel.
    with pytest.raises(WorkflowError):
        tracking_event_add(
            supplier_id=supplier_b.pk,
            track_id=shipment.track_id,
            occurred_at=when,
            location="",
            status="in_transit",
            description="",
            actor=None,
        )
    assert TrackingEvent.objects.filter(track=track).count() == 2
