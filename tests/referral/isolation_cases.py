"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

The referral page shows the requesting dealer's own code and link: at omega, delta's code never
appears (omega's owner sees omega's). The poster is a PNG, so the text check of the table does
not apply to it; its own test decodes the QR modules at each dealer.
"""

from __future__ import annotations

from network.selectors import dealer_profile_of
from tenants.models import Tenant
from tests.isolation_case import Case


def referral_made(tenant: Tenant):
    return {}, dealer_profile_of(tenant).referral_code


CASES: list[Case] = [
    Case("dealer-referral:overview", make=referral_made, types=("dealer",)),
]
EXEMPT: dict[str, str] = {
    "dealer-referral:poster": (
        "a PNG of the visitor's own link: tests/referral/test_poster.py::"
        "test_each_dealer_gets_a_poster_of_its_own_link_only"
    ),
}
