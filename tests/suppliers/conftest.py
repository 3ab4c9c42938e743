"""Fixtures of the catalogue tests (also imported by tests/supplychain)."""

import pytest
from django.utils import translation
from django_tenants.utils import tenant_context

from catalog.seed import category_tree_seed


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the pages default to Chinese (zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def categories(db):
    """The demo category tree (public schema), inside the test's transaction."""
    return category_tree_seed()


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


@pytest.fixture
def signed_in(host_client, tenant_user):
    """``signed_in(tenant, role)``: a client at the tenant's domain with a signed-in user."""
    from accounts.models import Role

    def make(tenant, role=Role.MANAGER, email=None):
        user = tenant_user(tenant, email=email or f"cat-{role}@{tenant.slug}.test", role=role)
        client = host_client(tenant)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        with tenant_context(tenant):
            client.force_login(user)
        client.user = user
        return client

    return make
