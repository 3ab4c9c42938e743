"""The Celery app.

Tasks take ids, never model instances, and name their tenant explicitly: a task queued inside
``tenant_context`` may run after the outer transaction commits in whatever schema is active
then (TENANCY.md). Every task starts in the public schema; tenant tasks switch with
``tenant_context`` themselves (see ``run_in_tenant``).
"""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")

app = Celery("platform_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _start_in_public_schema(**kwargs):
    from django.db import connection

    connection.set_schema_to_public()


def run_in_tenant(tenant_id: int, function, /, **kwargs):
    """Call ``function(**kwargs)`` with the tenant ``tenant_id`` active, for tenant-scoped tasks."""
    from django_tenants.utils import tenant_context

    from tenants.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    with tenant_context(tenant):
        return function(**kwargs)
