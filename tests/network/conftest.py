"""Fixtures of the network tests: the dealer-side fixtures, levels, and dealers without a schema
(public rows only: enough for a dealer that is only ever looked at, never visited)."""

from __future__ import annotations

import itertools

import pytest

from network.models import DealerLevel, DealerProfile
from network.selectors import dealer_profile_of
from tenants.models import Tenant, TenantStatus, TenantType
from tests.storefront.conftest import (  # noqa: F401 - shared fixtures of the dealer-side tests
    _english_everywhere,
    categories,
    english,
    fresh_cache,
    signed_in,
)

_n = itertools.count(1)


@pytest.fixture
def levels(db) -> dict[str, DealerLevel]:
    """The three levels the data migration seeds."""
    return {level.code: level for level in DealerLevel.objects.all()}


@pytest.fixture
def shell_dealer(db):
    """``shell_dealer(name, province="", city="", parent=None, level=None)``: a live dealer
    tenant row with a profile, without a schema of its own."""

    def make(name, *, province="", city="", parent=None, level=None) -> Tenant:
        n = next(_n)
        tenant = Tenant.objects.create(
            schema_name=f"t_netshell{n}",
            slug=f"netshell{n}",
            name=name,
            type=TenantType.DEALER,
            status=TenantStatus.ACTIVE,
        )
        profile_set(tenant, province=province, city=city, parent=parent, level=level)
        return tenant

    return make


def profile_set(tenant, *, province=None, city=None, parent=None, level=None) -> DealerProfile:
    """Set a dealer's profile fields (None: unchanged, except parent and level which are set)."""
    profile = dealer_profile_of(tenant)
    if province is not None:
        profile.province = province
    if city is not None:
        profile.city = city
    profile.parent = dealer_profile_of(parent) if parent is not None else None
    profile.level = level
    profile.save()
    return profile
