"""Fixtures of the fulfilment tests: signed-in supplier staff and the active supplier."""

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from accounts.models import Role


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the pages default to Chinese (zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def acme_staff(supplier_a, tenant_user):
    return tenant_user(supplier_a, email="clerk@acme.test", role=Role.STAFF)


@pytest.fixture
def in_acme(supplier_a):
    """acme's schema active (where its staff work their orders)."""
    with tenant_context(supplier_a):
        yield supplier_a


@pytest.fixture
def staff_client(supplier_a, acme_staff, host_client):
    client = host_client(supplier_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with tenant_context(supplier_a):
        client.force_login(acme_staff)
    return client
