"""Helpers shared by the accounts tests and tests/test_isolation.py."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django_tenants.utils import tenant_context

from accounts.models import Role, User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def fresh_cache(settings):
    """A cache key prefix of this test's own, so login counters never leak between tests.

    The keys the test made are deleted afterwards (they are not in the rolled-back transaction).
    """
    prefix = f"{settings.CACHES['default'].get('KEY_PREFIX', 'test')}-{uuid.uuid4().hex[:10]}"
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "KEY_PREFIX": prefix},
    }
    yield prefix
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"*:{prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def english(settings):
    """Pages in English for visitors who state no language, so tests can read the messages.

    (The platform's default is Simplified Chinese; a translated catalogue must not break them.)
    """
    settings.LANGUAGE_CODE = "en"


def member_make(
    tenant, *, email: str, role: str = Role.STAFF, password: str | None = None, **extra
):
    """A user in ``tenant``'s schema (without a password unless one is given: hashing is slow)."""
    with tenant_context(tenant):
        return User.objects.create_user(email=email, password=password, role=role, **extra)


def signed_in(client, tenant, user):
    """Sign ``user`` in on ``client`` for ``tenant``'s domain (the session lives in its schema)."""
    with tenant_context(tenant):
        client.force_login(user)
    return client


def login_post(client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)
