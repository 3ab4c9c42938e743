"""Fixtures of the dealer-side tests (also imported by tests/channels)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from catalog.seed import category_tree_seed
from tests.accounts.helpers import english, fresh_cache

__all__ = ["english", "fresh_cache"]


@pytest.fixture(autouse=True)
def _english_everywhere(english, fresh_cache):
    """Pages and messages in English; a cache prefix of this test's own (cached storefront
    pages must never leak from one test into the next: the database is rolled back, Redis
    is not)."""
    with translation.override("en"):
        yield


@pytest.fixture
def categories(db):
    """The demo category tree (public schema), inside the test's transaction."""
    return category_tree_seed()


@pytest.fixture
def signed_in(host_client):
    """``signed_in(tenant, role)``: a client at the tenant's domain with a signed-in user
    (the same user for the same tenant and role)."""
    from accounts.models import Role, User

    def make(tenant, role=Role.MANAGER, email=None):
        email = email or f"shop-{role}@{tenant.slug}.test"
        client = host_client(tenant)
        with tenant_context(tenant):
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                email=email, role=role
            )
            client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT (per-tenant folders below it)."""
    from django.core.files.storage import default_storage

    def forget():
        # TenantFileSystemStorage caches the media root; make it read the setting again.
        default_storage.base_url  # noqa: B018 - sets up the lazy default storage
        default_storage._wrapped.__dict__.pop("relative_media_root", None)

    settings.MEDIA_ROOT = str(tmp_path)
    forget()
    yield tmp_path
    forget()
