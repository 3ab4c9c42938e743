"""What every order workflow shares: tenants by id, numbers, and the status mirror.

A supplier order (supplier schema), the dealer's split (dealer schema) and the route (public)
carry the same status. ``split_status_set`` moves all three along the transition map, records
the move in both schemas' histories and re-derives the dealer's order status from its splits;
callers hold the transaction (``transaction.atomic``) and are in any schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from orders.states import TransitionError, transition, transition_check
from tenants.models import Tenant, TenantType


class WorkflowError(Exception):
    """An order operation that cannot be done; ``str()`` is for the user."""


def tenant_get(tenant_id: int, tenant_type: str | None = None) -> Tenant:
    """An active tenant by id (of ``tenant_type`` when given), read in the public schema."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None or (tenant_type and tenant.type != tenant_type):
        raise WorkflowError(_("This company is not on the platform."))
    return tenant


def current_tenant() -> Tenant:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant):
        raise RuntimeError("an order workflow must run with a tenant active")
    return tenant


@contextmanager
def in_tenant(tenant: Tenant):
    """``tenant_context`` that is free when the tenant is already active."""
    active = getattr(connection, "tenant", None)
    if (
        isinstance(active, Tenant)
        and active.pk == tenant.pk
        and connection.schema_name == tenant.schema_name
    ):
        yield
        return
    with tenant_context(tenant):
        yield


def next_number(prefix: str, table: str) -> tuple[int, str]:
    """A new id of ``table`` (active schema) and a readable number made of it: prefix, date,
    id. One round trip, no collisions, and no UPDATE after the INSERT."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        pk = cursor.fetchone()[0]
    return pk, f"{prefix}{timezone.localdate():%y%m%d}{pk:06d}"


def split_status_set(
    *,
    dealer_id: int,
    split_id: int,
    supplier_id: int,
    supplier_order_id: int,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    supplier_fields: dict | None = None,
    split_fields: dict | None = None,
) -> str:
    """Move a supplier order, its dealer split and its route to status ``to``; re-derive the
    dealer's order status. Returns the order's new status.

    Locks: the dealer's order row first, then the supplier order (fixed order, see package doc).
    ``supplier_fields`` / ``split_fields``: more columns to set on either record in the move.
    """
    from fulfilment.models import StatusChange as SupplierHistory
    from fulfilment.models import SupplierOrder
    from orders.models import Order, OrderSplit, SplitStatus
    from orders.models import StatusChange as DealerHistory
    from routing.models import OrderRoute, RouteLine, RouteLineStatus

    assert transaction.get_connection().in_atomic_block, "run inside transaction.atomic"
    dealer = tenant_get(dealer_id, TenantType.DEALER)
    supplier = tenant_get(supplier_id, TenantType.SUPPLIER)
    now = timezone.now()
    with in_tenant(dealer):
        split = OrderSplit.objects.select_related(None).get(pk=split_id)
        order = Order.objects.select_for_update().get(pk=split.order_id)
        split = OrderSplit.objects.select_for_update().get(pk=split_id)
        transition_check(split, to)
        supplier_label = supplier.name
    with in_tenant(supplier):
        supplier_order = SupplierOrder.objects.select_for_update().get(pk=supplier_order_id)
        for name, value in (supplier_fields or {}).items():
            setattr(supplier_order, name, value)
        transition(
            supplier_order,
            to,
            history_model=SupplierHistory,
            actor=actor,
            actor_label=actor_label,
            reason=reason,
            fields=tuple(supplier_fields or ()),
            now=now,
        )
    with in_tenant(dealer):
        for name, value in (split_fields or {}).items():
            setattr(split, name, value)
        label = actor_label or (
            f"{supplier_label}: {actor.get_full_name()}"
            if actor is not None and getattr(actor._state, "schema", None) == supplier.schema_name
            else ""
        )
        transition(
            split,
            to,
            history_model=DealerHistory,
            actor=actor,
            actor_label=label,
            reason=reason,
            fields=tuple(split_fields or ()),
            now=now,
        )
        statuses = list(
            OrderSplit.objects.filter(order_id=order.pk).values_list("status", flat=True)
        )
        order_status_follow(order, statuses, actor=actor, actor_label=label, reason=reason, now=now)
        new_status = order.status
        window = None
        if to == SplitStatus.RECEIVED:
            from orders.models import OrderSettings

            window = timedelta(days=OrderSettings.current().aftersales_days)
    OrderRoute.objects.filter(dealer_id=dealer_id, dealer_split_id=split_id).update(
        status=to, updated_at=now
    )
    if to in (SplitStatus.CANCELLED, SplitStatus.REJECTED, SplitStatus.RECEIVED):
        RouteLine.objects.filter(
            route__dealer_id=dealer_id, route__dealer_split_id=split_id
        ).update(
            status=RouteLineStatus.RECEIVED
            if to == SplitStatus.RECEIVED
            else RouteLineStatus.CANCELLED,
            received_at=now if to == SplitStatus.RECEIVED else None,
            settleable_at=now + window if to == SplitStatus.RECEIVED else None,
        )
    return new_status


def order_status_follow(
    order, split_statuses: Iterable[str], *, actor=None, actor_label="", reason="", now=None
) -> None:
    """Set the order (dealer schema, locked by the caller) to what its splits say."""
    from orders.models import Order, OrderStatus
    from orders.models import StatusChange as DealerHistory

    wanted = Order.status_from_splits(list(split_statuses))
    if wanted == order.status:
        return
    now = now or timezone.now()
    fields = []
    if wanted == OrderStatus.SHIPPED and order.shipped_at is None:
        order.shipped_at = now
        fields.append("shipped_at")
    if wanted == OrderStatus.COMPLETED:
        order.completed_at = now
        fields.append("completed_at")
    if wanted == OrderStatus.CANCELLED:
        order.cancelled_at = now
        fields.append("cancelled_at")
    transition(
        order,
        wanted,
        history_model=DealerHistory,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        fields=tuple(fields),
        now=now,
    )


def supplier_stock_release(supplier_order_id: int) -> int:
    """Supplier schema (active), caller's transaction: give back every unit still held for
    this order; returns how many. The reservation rows, then the stock rows, are locked in
    ascending primary key; reservations keep what was shipped and hold nothing any more."""
    from fulfilment.models import StockReservation
    from supplychain.sync import stock_changed

    held = list(
        StockReservation.objects.filter(line__order_id=supplier_order_id, quantity__gt=0)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "stock_level_id", "quantity", "line__sku_id")
    )
    if not held:
        return 0
    by_stock: dict[int, int] = {}
    for _pk, stock_id, quantity, _sku in held:
        by_stock[stock_id] = by_stock.get(stock_id, 0) + quantity
    ids = sorted(by_stock)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM supplychain_stocklevel WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [ids],
        )
        cursor.execute(
            """
            UPDATE supplychain_stocklevel s SET reserved = s.reserved - v.q, updated_at = %s
            FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::integer[]) AS q) v
            WHERE s.id = v.id
            """,
            [timezone.now(), ids, [by_stock[pk] for pk in ids]],
        )
    StockReservation.objects.filter(pk__in=[row[0] for row in held]).update(quantity=0)
    stock_changed(stock_level_ids=ids, sku_ids={row[3] for row in held})
    return sum(by_stock.values())


__all__ = [
    "TransitionError",
    "WorkflowError",
    "current_tenant",
    "in_tenant",
    "next_number",
    "order_status_follow",
    "split_status_set",
    "supplier_stock_release",
    "tenant_get",
]
