"""Background work of dealers' orders. Tasks take ids, switch to their tenant themselves
(platform_site.celery.run_in_tenant) and are safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from platform_site.celery import run_in_tenant
from tenants.models import Tenant, TenantStatus, TenantType

logger = logging.getLogger(__name__)


def receipt_auto_confirm(*, now=None) -> list[int]:
    """Confirm receipt of this dealer's shipped orders whose last shipment is older than the
    dealer's ``auto_receipt_days`` (dealer schema active). Returns the orders confirmed; an
    order that moved meanwhile (the buyer confirmed, a shipment still open) is skipped."""
    from orders.models import Order, OrderSettings, OrderStatus
    from orders.states import TransitionError
    from orders.workflow.common import WorkflowError
    from orders.workflow.lifecycle import order_receipt_confirm

    days = OrderSettings.current().auto_receipt_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = list(
        Order.objects.filter(status=OrderStatus.SHIPPED, shipped_at__lte=cutoff)
        .order_by("shipped_at", "pk")
        .values_list("pk", flat=True)
    )
    confirmed = []
    for order_id in due:
        try:
            order_receipt_confirm(order_id=order_id, actor=None)
        except (TransitionError, WorkflowError) as error:
            logger.info("order %s: no automatic receipt (%s)", order_id, error)
            continue
        confirmed.append(order_id)
    return confirmed


@shared_task(name="orders.receipt_auto_confirm", acks_late=True)
def receipt_auto_confirm_task(dealer_id: int) -> int:
    """One dealer's automatic receipts."""
    try:
        return len(run_in_tenant(dealer_id, receipt_auto_confirm))
    except Tenant.DoesNotExist:
        logger.warning("dealer %s no longer exists; no automatic receipt", dealer_id)
        return 0


@shared_task(name="orders.receipt_auto_confirm_sweep", acks_late=True)
def receipt_auto_confirm_sweep() -> int:
    """Every active dealer's automatic receipts (beat, every 15 minutes), one dealer after
    the other; a failing dealer does not stop the others. Returns how many were confirmed."""
    total = 0
    dealer_ids = Tenant.objects.filter(
        type=TenantType.DEALER, status=TenantStatus.ACTIVE
    ).values_list("pk", flat=True)
    for dealer_id in list(dealer_ids):
        try:
            total += receipt_auto_confirm_task(dealer_id)
        except Exception:
            logger.exception("automatic receipt failed at dealer %s", dealer_id)
    return total
