"""Background work of onboarding. Tasks take ids, run in the public schema, and are safe to repeat."""

import logging

from celery import shared_task
from django.core.cache import cache

from tenants import emails, provisioning, services
from tenants.models import TenantApplication, TenantType

logger = logging.getLogger(__name__)


@shared_task(name="tenants.tenant_provision")
def tenant_provision_task(application_id: int) -> None:
    try:
        services.tenant_provision(application_id=application_id)
    except TenantApplication.DoesNotExist:
        logger.warning("application %s no longer exists; nothing to provision", application_id)


@shared_task(name="tenants.applications_stuck_sweep")
def applications_stuck_sweep() -> int:
    """Beat's safety net of provisioning (every 5 minutes)."""
    return len(services.applications_stuck_requeue())


@shared_task(name="tenants.tenant_pool_refill")
def tenant_pool_refill() -> None:
    # One refill at a time across workers; a second caller simply skips.
    if not cache.add("tenants:pool-refill-lock", "1", timeout=300):
        return
    try:
        for tenant_type in TenantType.values:
            provisioning.pool_refill(tenant_type)
    finally:
        cache.delete("tenants:pool-refill-lock")


@shared_task(name="tenants.application_outcome_notify")
def application_outcome_notify(application_id: int) -> None:
    try:
        emails.application_outcome_send(application_id=application_id)
    except TenantApplication.DoesNotExist:
        logger.warning("application %s no longer exists; nobody to notify", application_id)
