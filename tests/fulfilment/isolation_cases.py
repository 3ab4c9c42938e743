"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

Every ``make`` runs in the home supplier's schema (acme) and builds an order of acme for a
buyer of delta; the id in the URL is unused in every other schema, so beta (and the dealers)
must answer 404 and change nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fulfilment.models import Shipment, SupplierOrder
from orders.models import SplitStatus
from orders.workflow.fulfilment import shipment_create, supplier_order_confirm
from routing.models import TrackingEvent
from tenants.models import Tenant
from tests.isolation_case import Case


def _built(tenant: Tenant, *, confirmed: bool = False, shipped: bool = False):
    from tests.fulfilment.builders import order_build
    from tests.test_isolation import pk_unused_elsewhere

    pk_unused_elsewhere(SupplierOrder)
    built = order_build(
        supplier=tenant,
        dealer=Tenant.objects.get(slug="delta"),
        buyer_company=f"ISO 采购 {tenant.slug}",
    )
    if confirmed or shipped:
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id,
            actor=None,
            promised_ship_date=timezone.localdate() + timedelta(days=1),
        )
    if shipped:
        shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=None,
            carrier_code="sf",
            tracking_number=f"ISO-{built.number}",
            lines={built.supplier_line_ids[0]: 1},
        )
    return built


def orders_made(tenant: Tenant):
    return {}, _built(tenant).number


def order_made(tenant: Tenant):
    built = _built(tenant)
    return {"pk": built.supplier_order_id}, built.number


def confirmed_made(tenant: Tenant):
    built = _built(tenant, confirmed=True)
    return {"pk": built.supplier_order_id}, built.number


def shipped_made(tenant: Tenant):
    built = _built(tenant, shipped=True)
    return {"pk": built.supplier_order_id}, built.number


def still_pending(kwargs: dict) -> bool:
    order = SupplierOrder.objects.get(pk=kwargs["pk"])
    held = sum(r.quantity for line in order.lines.all() for r in line.reservations.all())
    return order.status == SplitStatus.PENDING and held == 3


def nothing_shipped(kwargs: dict) -> bool:
    order = SupplierOrder.objects.get(pk=kwargs["pk"])
    return (
        order.status == SplitStatus.CONFIRMED
        and not Shipment.objects.filter(order_id=order.pk).exists()
    )


def no_event_added(kwargs: dict) -> bool:
    shipment = Shipment.objects.get(order_id=kwargs["pk"])
    return TrackingEvent.objects.filter(track_id=shipment.track_id).count() == 1


TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()

CASES: list[Case] = [
    Case("fulfilment:order-list", make=orders_made, types=("supplier",)),
    Case("fulfilment:order-export", make=orders_made, types=("supplier",)),
    Case("fulfilment:order-detail", make=order_made, types=("supplier",)),
    Case(
        "fulfilment:order-confirm",
        make=order_made,
        types=("supplier",),
        post={"promised_ship_date": TOMORROW},
        intact=still_pending,
    ),
    Case(
        "fulfilment:order-reject",
        make=order_made,
        types=("supplier",),
        post={"reason": "rejected from outside"},
        intact=still_pending,
    ),
    Case(
        "fulfilment:shipment-create",
        make=confirmed_made,
        types=("supplier",),
        post={"carrier": "sf", "tracking_number": "ISO-OUTSIDE", "line_1": "1"},
        intact=nothing_shipped,
    ),
    Case(
        "fulfilment:tracking-event-add",
        make=shipped_made,
        types=("supplier",),
        post={
            "track": "1",
            "occurred_at": "2025-01-01T10:00",
            "status": "delivered",
            "location": "outside",
        },
        intact=no_event_added,
    ),
]
EXEMPT: dict[str, str] = {}
