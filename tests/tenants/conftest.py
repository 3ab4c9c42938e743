"""Fixtures of the onboarding tests: uploads in a temporary media root, a signed-in reviewer,
and the clean-up of everything a committed test made (tenant, schema, rows, files)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from accounts.models import AuditLog
from tests.builders import platform_admin


@pytest.fixture(autouse=True)
def _media_in_tmp(tmp_path):
    """Uploaded documents land in a temporary folder, never in the development media root.

    django-tenants' storage caches its root and forgets it only when
    MULTITENANT_RELATIVE_MEDIA_ROOT changes, so that one is "changed" too, inside.
    """
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=str(root)):
        with override_settings(
            MULTITENANT_RELATIVE_MEDIA_ROOT=settings.MULTITENANT_RELATIVE_MEDIA_ROOT
        ):
            yield root


@pytest.fixture
def reviewer(db):
    return platform_admin()


@pytest.fixture
def admin_client_platform(reviewer):
    """A superuser signed in on the platform domain."""
    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    client.force_login(reviewer)
    return client


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
        return cursor.fetchone() is not None


def worker_idle_wait(timeout: float = 20.0) -> None:
    """Wait until the in-process Celery worker has nothing queued, reserved or running."""
    from celery.worker import state

    from platform_site.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        with app.connection_for_read() as conn:
            waiting = conn.default_channel.client.llen(queue)
        busy = waiting or state.active_requests or state.reserved_requests
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.3:
            return
        time.sleep(0.05)
    raise AssertionError(f"the Celery worker was still busy after {timeout} s")


def application_purge(application_id: int) -> None:
    """Remove an application and everything it led to: tenant, domain, schema, owner, files,
    audit rows. For tests that commit."""
    from tenants.models import Tenant, TenantApplication

    connection.set_schema_to_public()
    application = TenantApplication.objects.filter(pk=application_id).first()
    if application is None:
        return
    tenant_id = application.tenant_id
    for document in application.documents.all():
        document.file.delete(save=False)
    AuditLog.objects.filter(
        target_type=TenantApplication._meta.label, target_id=str(application_id)
    ).delete()
    application.delete()
    if tenant_id is not None:
        tenant = Tenant.objects.get(pk=tenant_id)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')
        tenant.domains.all().delete()
        Tenant.objects.filter(pk=tenant_id).delete()


@pytest.fixture
def purge(request):
    """``purge(application_id)`` registers an application to remove after the test (once the
    worker, when the test has one, has finished what the test queued)."""
    ids: list[int] = []
    yield ids.append
    if "celery_worker_session" in request.fixturenames:
        worker_idle_wait()
    for application_id in ids:
        application_purge(application_id)
