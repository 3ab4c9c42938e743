"""The buyer's and the dealer's moves on a whole order: the dealer's review (release to the
suppliers), cancellation before shipment, and the buyer's receipt (also automatic, by beat).

Each function is one transaction across the dealer's schema, every supplier involved and the
public routes, in the package's lock order; each may be called twice (a double click, a
retried task) and then does nothing more or says clearly why not.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, OrderSplit, OrderStatus, SplitStatus
from orders.workflow.common import (
    WorkflowError,
    current_tenant,
    in_tenant,
    split_status_set,
    supplier_stock_release,
    tenant_get,
)
from tenants.models import TenantType

# Who may cancel an order in which status.
BUYER_MAY_CANCEL = {OrderStatus.REVIEW, OrderStatus.PLACED}
DEALER_MAY_CANCEL = {OrderStatus.REVIEW, OrderStatus.PLACED, OrderStatus.CONFIRMED}
CANCELLABLE_SPLITS = {SplitStatus.HELD, SplitStatus.PENDING, SplitStatus.CONFIRMED}
# The buyer may cancel online until any supplier has confirmed its part.
UNCONFIRMED_SPLITS = {
    SplitStatus.HELD,
    SplitStatus.PENDING,
    SplitStatus.REJECTED,
    SplitStatus.CANCELLED,
}


def buyer_may_cancel(order, split_statuses) -> bool:
    """Whether the buyer may still cancel ``order`` online: nothing confirmed by a supplier."""
    return order.status in BUYER_MAY_CANCEL and all(
        status in UNCONFIRMED_SPLITS for status in split_statuses
    )


def _order_locked(order_id: int) -> tuple[Order, list[OrderSplit]]:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise WorkflowError(_("This order does not exist."))
    splits = list(OrderSplit.objects.filter(order_id=order.pk).order_by("supplier_id"))
    return order, splits


@transaction.atomic
def order_cancel(*, order_id: int, actor, reason: str, by: str) -> Order:
    """Cancel an order that has not shipped: ``by`` is "buyer" (until a supplier confirms) or
    "dealer" (until anything ships). Every reservation is released."""
    from orders.notify import buyer_tell, dealer_tell

    dealer = current_tenant()
    order, splits = _order_locked(order_id)
    if order.status == OrderStatus.CANCELLED:
        return order
    if by == "buyer":
        refused = not buyer_may_cancel(order, [split.status for split in splits])
    else:
        refused = order.status not in DEALER_MAY_CANCEL
    if refused:
        if by == "buyer":
            raise WorkflowError(
                _(
                    "Order %(number)s can no longer be cancelled online: a supplier has "
                    "confirmed it. Contact the store."
                )
                % {"number": order.number}
            )
        raise WorkflowError(
            _("Order %(number)s has shipped goods and can no longer be cancelled.")
            % {"number": order.number}
        )
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Say why the order is cancelled."))
    label = actor.get_full_name() if actor is not None else ""
    for split in splits:
        if split.status not in CANCELLABLE_SPLITS:
            continue
        supplier = tenant_get(split.supplier_id, TenantType.SUPPLIER)
        with in_tenant(supplier):
            supplier_stock_release(split.supplier_order_id)
        split_status_set(
            dealer_id=dealer.pk,
            split_id=split.pk,
            supplier_id=split.supplier_id,
            supplier_order_id=split.supplier_order_id,
            to=SplitStatus.CANCELLED,
            actor=actor,
            actor_label=label,
            reason=reason,
        )
    order.refresh_from_db()
    if by == "buyer":
        dealer_tell(
            order,
            kind="order.cancelled",
            title=_("Order %(number)s was cancelled by the buyer") % {"number": order.number},
            body=reason,
        )
    else:
        buyer_tell(
            order,
            kind="order.cancelled",
            title=_("Order %(number)s was cancelled") % {"number": order.number},
            body=reason,
        )
    return order


@transaction.atomic
def order_release(*, order_id: int, actor) -> Order:
    """The dealer's review passed: the held supplier parts go to the suppliers."""
    from fulfilment.models import SupplierOrder
    from orders.notify import supplier_order_placed

    dealer = current_tenant()
    order, splits = _order_locked(order_id)
    if order.status != OrderStatus.REVIEW:
        if order.status in (OrderStatus.CANCELLED,):
            raise WorkflowError(_("Order %(number)s was cancelled.") % {"number": order.number})
        return order  # released already (a second click)
    for split in splits:
        if split.status != SplitStatus.HELD:
            continue
        split_status_set(
            dealer_id=dealer.pk,
            split_id=split.pk,
            supplier_id=split.supplier_id,
            supplier_order_id=split.supplier_order_id,
            to=SplitStatus.PENDING,
            actor=actor,
            actor_label=f"{dealer.name}: {actor.get_full_name()}" if actor else dealer.name,
        )
        with in_tenant(tenant_get(split.supplier_id, TenantType.SUPPLIER)):
            supplier_order_placed(SupplierOrder.objects.get(pk=split.supplier_order_id))
    order.refresh_from_db()
    return order


@transaction.atomic
def order_receipt_confirm(*, order_id: int, actor=None) -> Order:
    """The buyer has the goods (or the auto-receipt days passed: ``actor`` None): every shipped
    part becomes received, the order completed. Nothing happens to a completed order."""
    dealer = current_tenant()
    order, splits = _order_locked(order_id)
    if order.status == OrderStatus.COMPLETED:
        return order
    if order.status != OrderStatus.SHIPPED:
        raise WorkflowError(
            _("Order %(number)s is not fully shipped yet; confirm receipt when everything arrived.")
            % {"number": order.number}
        )
    now = timezone.now()
    label = actor.get_full_name() if actor is not None else _("Confirmed automatically")
    for split in splits:
        if split.status != SplitStatus.SHIPPED:
            continue
        split_status_set(
            dealer_id=dealer.pk,
            split_id=split.pk,
            supplier_id=split.supplier_id,
            supplier_order_id=split.supplier_order_id,
            to=SplitStatus.RECEIVED,
            actor=actor,
            actor_label=label,
            supplier_fields={"received_at": now},
        )
    order.refresh_from_db()
    return order
