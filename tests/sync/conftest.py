"""Fixtures of the publishing, inventory sync, ERP API, alert and notification tests."""

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from tests.suppliers.conftest import _english, categories, media_root, signed_in  # noqa: F401


@pytest.fixture
def acme_team(supplier_a, tenant_user):
    """An owner, a manager and a staff member of acme."""
    return {
        role: tenant_user(supplier_a, email=f"sync-{role}@acme.test", role=role)
        for role in (Role.OWNER, Role.MANAGER, Role.STAFF)
    }


@pytest.fixture
def in_acme(supplier_a):
    """Run the test body with acme's schema active."""
    with tenant_context(supplier_a):
        yield supplier_a
