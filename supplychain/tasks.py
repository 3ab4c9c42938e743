"""Background work of the supply chain. Tasks take ids, name their supplier explicitly, and are
safe to run twice."""

import logging

from celery import shared_task

from platform_site.celery import run_in_tenant
from supplychain import alerts
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@shared_task(name="supplychain.low_stock_email", acks_late=True)
def low_stock_email_task(tenant_id: int, alert_ids: list[int]) -> int:
    """Email the supplier's owners and managers about newly opened low-stock alerts."""
    try:
        return run_in_tenant(tenant_id, alerts.low_stock_email_send, alert_ids=alert_ids)
    except Tenant.DoesNotExist:
        logger.warning("supplier %s no longer exists; no low-stock email", tenant_id)
        return 0
