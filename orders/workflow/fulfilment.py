"""A supplier works its orders: confirm, reject, ship, and record tracking.

Every function runs in the supplier's schema (its backoffice request) and is ONE transaction
across the supplier's schema, the dealer's schema and the public exchange. Locks follow the
package order: the dealer's order row first (``_dealer_order_lock``), then the supplier order,
then the supplier's stock rows in ascending primary key, public rows last.

* ``supplier_order_confirm``: pending → confirmed, with the date the supplier promises to ship.
* ``supplier_order_reject``: pending → rejected with a reason; every unit held for the order goes
  back to available stock; the dealer's split (and so its lines) is cancelled for the buyer.
* ``shipment_create``: ships quantities of the order's lines; held units leave the warehouse
  (``reserved`` and ``on_hand`` both drop), shipped quantities are written on both sides, a
  public ``ShipmentTrack`` with a first "collected" event is opened; the order becomes partly
  shipped or shipped. The track is unique per carrier and tracking number, so a doubled
  submission cannot ship twice.
* ``tracking_event_add``: an event typed in by the supplier's staff.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from orders.models import SplitStatus
from orders.states import transition_check
from orders.workflow.common import (
    WorkflowError,
    current_tenant,
    in_tenant,
    next_number,
    split_status_set,
    supplier_stock_release,
    tenant_get,
)
from tenants.models import TenantType

REASON_MAX = 1000
TRACKING_NUMBER_MAX = 64
SHIPPABLE = (SplitStatus.CONFIRMED, SplitStatus.PARTLY_SHIPPED)
# A clock a little ahead at the carrier or in the browser is not an error.
FUTURE_TOLERANCE = timedelta(minutes=10)


def _supplier():
    supplier = current_tenant()
    if supplier.type != TenantType.SUPPLIER:
        raise RuntimeError("a supplier works its orders in its own schema")
    return supplier


def _supplier_order(supplier_order_id: int):
    """The supplier order of the active supplier (no lock), or WorkflowError."""
    from fulfilment.models import SupplierOrder

    order = SupplierOrder.objects.filter(pk=supplier_order_id).first()
    if order is None:
        raise WorkflowError(_("This order does not exist."))
    return order


def _dealer_order_lock(dealer, split_id: int):
    """Lock the dealer's order row (first in the lock order); returns the order."""
    from orders.models import Order, OrderSplit

    with in_tenant(dealer):
        order_id = OrderSplit.objects.filter(pk=split_id).values_list("order_id", flat=True).get()
        return Order.objects.select_for_update().get(pk=order_id)


def _actor_label(actor) -> str:
    return actor.get_full_name() if actor is not None else ""


# --- Confirm and reject -------------------------------------------------------------------------


@transaction.atomic
def supplier_order_confirm(*, supplier_order_id: int, actor, promised_ship_date: date):
    """pending → confirmed; ``promised_ship_date`` is today or later."""
    from fulfilment import notify

    supplier = _supplier()
    order = _supplier_order(supplier_order_id)
    if promised_ship_date is None:
        raise WorkflowError(_("Say by when you will ship."))
    if promised_ship_date < timezone.localdate():
        raise WorkflowError(_("The promised ship date cannot be in the past."))
    transition_check(order, SplitStatus.CONFIRMED)
    dealer = tenant_get(order.dealer_id, TenantType.DEALER)
    dealer_order = _dealer_order_lock(dealer, order.dealer_split_id)
    split_status_set(
        dealer_id=dealer.pk,
        split_id=order.dealer_split_id,
        supplier_id=supplier.pk,
        supplier_order_id=order.pk,
        to=SplitStatus.CONFIRMED,
        actor=actor,
        supplier_fields={"promised_ship_date": promised_ship_date, "confirmed_at": timezone.now()},
        split_fields={"promised_ship_date": promised_ship_date},
    )
    audit_record(
        actor=actor,
        action="supplier_order.confirm",
        target=order,
        data={"number": order.number, "promised_ship_date": promised_ship_date.isoformat()},
    )
    with in_tenant(dealer):
        notify.split_confirmed(
            dealer_order, supplier_name=supplier.name, promised_ship_date=promised_ship_date
        )
    with in_tenant(supplier):
        return _supplier_order(order.pk)


@transaction.atomic
def supplier_order_reject(*, supplier_order_id: int, actor, reason: str):
    """pending → rejected; every held unit goes back to available stock."""
    from fulfilment import notify

    supplier = _supplier()
    order = _supplier_order(supplier_order_id)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Tell the dealer why you reject the order."))
    if len(reason) > REASON_MAX:
        raise WorkflowError(_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX})
    transition_check(order, SplitStatus.REJECTED)
    dealer = tenant_get(order.dealer_id, TenantType.DEALER)
    dealer_order = _dealer_order_lock(dealer, order.dealer_split_id)
    split_status_set(
        dealer_id=dealer.pk,
        split_id=order.dealer_split_id,
        supplier_id=supplier.pk,
        supplier_order_id=order.pk,
        to=SplitStatus.REJECTED,
        actor=actor,
        reason=reason,
        supplier_fields={"reason": reason},
        split_fields={"reason": reason},
    )
    with in_tenant(supplier):
        released = supplier_stock_release(order.pk)
        audit_record(
            actor=actor,
            action="supplier_order.reject",
            target=order,
            data={"number": order.number, "reason": reason, "released": released},
        )
    with in_tenant(dealer):
        notify.split_rejected(dealer_order, supplier_name=supplier.name, reason=reason)
    with in_tenant(supplier):
        return _supplier_order(order.pk)


# --- Shipping -----------------------------------------------------------------------------------


def _carrier(carrier_code: str):
    from routing.models import Carrier

    carrier = Carrier.objects.filter(code=carrier_code, is_active=True).first()
    if carrier is None:
        raise WorkflowError(_("Choose a carrier from the list."))
    return carrier


@transaction.atomic
def shipment_create(
    *,
    supplier_order_id: int,
    actor,
    carrier_code: str,
    tracking_number: str,
    lines: dict[int, int],
):
    """Ship ``lines`` ({supplier order line id: quantity}) of a confirmed or partly shipped
    order in one parcel; returns the ``Shipment``."""
    from fulfilment import notify
    from fulfilment.models import Shipment, ShipmentLine, StockReservation, SupplierOrderLine
    from orders.models import OrderLine
    from routing.models import EventSource, EventStatus, OrderRoute, ShipmentTrack, TrackingEvent
    from supplychain.models import StockLevel
    from supplychain.sync import stock_changed

    supplier = _supplier()
    order = _supplier_order(supplier_order_id)
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise WorkflowError(_("Enter the tracking number."))
    if len(tracking_number) > TRACKING_NUMBER_MAX:
        raise WorkflowError(_("This tracking number is too long."))
    carrier = _carrier(carrier_code)
    wanted = {int(pk): int(q) for pk, q in (lines or {}).items() if q}
    if any(q < 0 for q in wanted.values()):
        raise WorkflowError(_("Quantities cannot be negative."))
    if not wanted:
        raise WorkflowError(_("Enter the quantity of at least one line in this parcel."))
    if order.status not in SHIPPABLE:
        transition_check(order, SplitStatus.SHIPPED)  # raises the clear TransitionError
    dealer = tenant_get(order.dealer_id, TenantType.DEALER)
    dealer_order = _dealer_order_lock(dealer, order.dealer_split_id)

    with in_tenant(supplier):
        order = type(order).objects.select_for_update().get(pk=order.pk)
        if order.status not in SHIPPABLE:
            transition_check(order, SplitStatus.SHIPPED)
        order_lines = {
            line.pk: line
            for line in SupplierOrderLine.objects.select_for_update()
            .filter(order_id=order.pk)
            .order_by("pk")
        }
        unknown = set(wanted) - set(order_lines)
        if unknown:
            raise WorkflowError(_("A line of the parcel is not a line of this order."))
        for pk, quantity in wanted.items():
            line = order_lines[pk]
            if quantity > line.to_ship:
                raise WorkflowError(
                    _("%(sku)s: %(asked)s to ship, but only %(left)s left to ship.")
                    % {"sku": line.sku_code, "asked": quantity, "left": line.to_ship}
                )
        if ShipmentTrack.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
            raise WorkflowError(
                _("%(carrier)s tracking number %(number)s is already recorded for a parcel.")
                % {"carrier": carrier.name, "number": tracking_number}
            )
        # Held units leave the warehouse: reservations in primary-key order, stock rows locked
        # in ascending primary key.
        reservations = list(
            StockReservation.objects.select_for_update()
            .filter(line_id__in=wanted, quantity__gt=0)
            .order_by("pk")
        )
        stock = {
            level.pk: level
            for level in StockLevel.objects.select_for_update()
            .filter(pk__in={r.stock_level_id for r in reservations})
            .order_by("pk")
        }
        remaining = dict(wanted)
        now = timezone.now()
        for reservation in reservations:
            take = min(remaining[reservation.line_id], reservation.quantity)
            if not take:
                continue
            remaining[reservation.line_id] -= take
            reservation.quantity -= take
            reservation.shipped += take
            reservation.save(update_fields=["quantity", "shipped"])
            level = stock[reservation.stock_level_id]
            level.reserved -= take
            level.on_hand -= take
        short = [order_lines[pk].sku_code for pk, left in remaining.items() if left]
        if short:
            raise WorkflowError(
                _("Not enough stock is held for %(skus)s: adjust the quantities.")
                % {"skus": ", ".join(short)}
            )
        for level in stock.values():
            level.updated_at = now
            level.save(update_fields=["reserved", "on_hand", "updated_at"])
        for pk, quantity in wanted.items():
            SupplierOrderLine.objects.filter(pk=pk).update(
                shipped_quantity=F("shipped_quantity") + quantity
            )
            order_lines[pk].shipped_quantity += quantity
        all_shipped = all(line.to_ship == 0 for line in order_lines.values())
        shipment_id, shipment_number = next_number("SH", Shipment._meta.db_table)
        shipment = Shipment(
            pk=shipment_id,
            order=order,
            number=shipment_number,
            carrier_code=carrier.code,
            carrier_name=carrier.name_zh,
            tracking_number=tracking_number,
            shipped_at=now,
            shipped_by_label=_actor_label(actor),
        )
        shipment.save(force_insert=True)
        ShipmentLine.objects.bulk_create(
            [ShipmentLine(shipment=shipment, line_id=pk, quantity=q) for pk, q in wanted.items()]
        )
        stock_changed(stock_level_ids=list(stock), sku_ids={s.sku_id for s in stock.values()})
        dealer_quantities = {order_lines[pk].dealer_line_id: q for pk, q in wanted.items()}
        route = OrderRoute.objects.get(supplier_id=supplier.pk, supplier_order_id=order.pk)
        try:
            with transaction.atomic():
                track = ShipmentTrack.objects.create(
                    route=route,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    reference_id=shipment.pk,
                    created_at=now,
                )
        except IntegrityError:
            # The same number committed by a concurrent submission since the check above.
            raise WorkflowError(
                _("%(carrier)s tracking number %(number)s is already recorded for a parcel.")
                % {"carrier": carrier.name, "number": tracking_number}
            ) from None
        TrackingEvent.objects.create(
            track=track,
            occurred_at=now,
            status=EventStatus.COLLECTED,
            description=_("Handed to the carrier by %(supplier)s") % {"supplier": supplier.name},
            source=EventSource.MANUAL,
        )
        shipment.track_id = track.pk
        shipment.save(update_fields=["track_id"])
        audit_record(
            actor=actor,
            action="supplier_order.ship",
            target=order,
            data={
                "number": order.number,
                "shipment": shipment.number,
                "carrier": carrier.code,
                "tracking_number": tracking_number,
                "lines": {str(pk): q for pk, q in wanted.items()},
            },
        )

    with in_tenant(dealer):
        for dealer_line_id, quantity in dealer_quantities.items():
            OrderLine.objects.filter(pk=dealer_line_id, order_id=dealer_order.pk).update(
                shipped_quantity=F("shipped_quantity") + quantity
            )

    to = SplitStatus.SHIPPED if all_shipped else SplitStatus.PARTLY_SHIPPED
    if to != order.status:
        split_status_set(
            dealer_id=dealer.pk,
            split_id=order.dealer_split_id,
            supplier_id=supplier.pk,
            supplier_order_id=order.pk,
            to=to,
            actor=actor,
            supplier_fields={"shipped_at": now} if all_shipped else {},
        )
    with in_tenant(dealer):
        notify.split_shipped(
            dealer_order,
            supplier_name=supplier.name,
            carrier_name=carrier.name,
            tracking_number=tracking_number,
        )
    return shipment


# --- Tracking -----------------------------------------------------------------------------------


@transaction.atomic
def tracking_event_add(
    *,
    supplier_id: int,
    track_id: int,
    occurred_at: datetime,
    location: str,
    status: str,
    description: str,
    actor,
):
    """An event typed in by the supplier's staff on a parcel of one of its orders."""
    from routing.models import EventSource
    from routing.selectors import track_of_supplier
    from routing.services import tracking_events_record

    track = track_of_supplier(supplier_id=supplier_id, track_id=track_id)
    if track is None:
        raise WorkflowError(_("This parcel is not one of your orders'."))
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise WorkflowError(_("The time of the event cannot be in the future."))
    recorded = tracking_events_record(
        track=track,
        source=EventSource.MANUAL,
        events=[
            {
                "occurred_at": occurred_at,
                "location": location,
                "status": status,
                "description": description,
                "external_id": "",
            }
        ],
    )
    audit_record(
        actor=actor,
        action="tracking.event_add",
        data={"track": track.pk, "tracking_number": track.tracking_number, "status": status},
    )
    return recorded[0]
