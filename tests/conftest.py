"""Shared fixtures: one test database, the platform, and one tenant of each kind per session.

The session creates the public tenant, the per-type templates and three tenants (two
suppliers, one dealer) through the real onboarding services, once. Each test then runs
inside a transaction that is rolled back, tenant schemas included (TENANCY.md, "Tests").
Tests that need committed data (a real Celery worker, threads) use ``committed_db`` and
clean up after themselves.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from tests.builders import tenant_build

SESSION_TENANTS = {
    # slug: (type, company name)
    "acme": ("supplier", "Acme Electronics 艾克美电子"),
    "beta": ("supplier", "Beta Industrial 贝塔工业"),
    "delta": ("dealer", "Delta Trading 德尔塔商贸"),
    "omega": ("dealer", "Omega Channel 欧米伽渠道"),
}


@pytest.fixture(scope="session", autouse=True)
def _media_root_for_tests(tmp_path_factory):
    """Files uploaded by tests (application documents, images) go to a temporary folder, not
    the development media root. django-tenants' storage caches its root and forgets it only
    when MULTITENANT_RELATIVE_MEDIA_ROOT changes, hence the second override."""
    from django.conf import settings
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        with override_settings(
            MULTITENANT_RELATIVE_MEDIA_ROOT=settings.MULTITENANT_RELATIVE_MEDIA_ROOT
        ):
            yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _media_root_for_tests):
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        # pytest-django creates the test database only when a selected test uses `db` or the
        # django_db mark; a run of committed_db tests alone would otherwise use the real one.
        own_setup = None
        if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
            own_setup = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        _purge_test_queue()
        call_command("platform_bootstrap", pool=1, verbosity=0)
        for slug, (tenant_type, name) in SESSION_TENANTS.items():
            tenant_build(slug=slug, tenant_type=tenant_type, company_name=name)
        connection.set_schema_to_public()
    yield
    _purge_test_queue()
    if own_setup is not None:
        with django_db_blocker.unblock():
            teardown_databases(own_setup, verbosity=0)


def _purge_test_queue() -> None:
    """Drop messages a previous run left in this run's test queue (never a non-test queue)."""
    from platform_site.celery import app

    queue = app.conf.task_default_queue
    if not queue.startswith("test"):
        return
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    yield
    connection.set_schema_to_public()


def _session_tenant(slug: str):
    from tenants.models import Tenant

    return Tenant.objects.get(slug=slug)


@pytest.fixture
def supplier_a(db):
    return _session_tenant("acme")


@pytest.fixture
def supplier_b(db):
    return _session_tenant("beta")


@pytest.fixture
def dealer(db):
    return _session_tenant("delta")


@pytest.fixture
def dealer_b(db):
    return _session_tenant("omega")


@pytest.fixture
def host_client():
    """``host_client(tenant_or_host)``: a test client speaking to that tenant's domain."""

    def make(target) -> Client:
        host = target if isinstance(target, str) else target.host
        return Client(HTTP_HOST=host)

    return make


@pytest.fixture
def platform_client():
    from django.conf import settings

    return Client(HTTP_HOST=settings.PLATFORM_DOMAIN)


@pytest.fixture
def tenant_user():
    """``tenant_user(tenant, email=..., role=..., password=...)``: a user inside that tenant's schema."""
    from accounts.models import Role, User

    def make(
        tenant, *, email="staff@example.com", role=Role.STAFF, password="correct horse battery"
    ):
        with tenant_context(tenant):
            return User.objects.create_user(email=email, password=password, role=role)

    return make


@pytest.fixture(scope="session")
def committed_db(django_db_setup, django_db_blocker):
    """Database access without the per-test rollback, for worker and concurrency tests."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup, django_db_blocker):
    """A real Celery worker, in a thread of this process, consuming from the real Redis."""
    from celery.contrib.testing.worker import start_worker

    from platform_site.celery import app

    with django_db_blocker.unblock():
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker


def pytest_collection_modifyitems(config, items):
    chromium = shutil.which("chromium") or os.path.exists("/usr/bin/chromium")
    if chromium:
        return
    skip = pytest.mark.skip(reason="no Chromium at /usr/bin/chromium: apt-get install -y chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def celery_eager():
    """Celery tasks run at once in the test's thread, for tests about what a task does (an
    email sent by Celery) rather than about the worker (tests/sync/test_worker.py)."""
    from platform_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
