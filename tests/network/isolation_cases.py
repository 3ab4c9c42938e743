"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

Supplier pages (home acme): its rule and exclusive regions are rows keyed by the supplier.
Dealer pages (home delta): a sub-dealer made under delta, with an order; at omega it is outside
the requester's subtree (404).
"""

from __future__ import annotations

import itertools

from django_tenants.utils import get_public_schema_name, tenant_context

from network.models import AuthorisationMode, AuthorisationRule, ExclusiveRegion, RuleRegion
from network.selectors import dealer_profile_of
from tenants.models import Tenant, TenantStatus, TenantType
from tests.isolation_case import Case

_n = itertools.count(1)


# --- supplier pages ----------------------------------------------------------------------------------


def rule_made(tenant: Tenant):
    rule, _created = AuthorisationRule.objects.get_or_create(
        supplier=tenant, defaults={"mode": AuthorisationMode.REGIONS}
    )
    province = f"ISO-Rule-{tenant.slug}"
    RuleRegion.objects.get_or_create(rule=rule, province=province, city="")
    return {}, province


def _exclusive(tenant: Tenant) -> ExclusiveRegion:
    delta = Tenant.objects.get(slug="delta")
    return ExclusiveRegion.objects.create(
        supplier=tenant, province=f"ISO-Excl-{tenant.slug}-{next(_n)}", dealer=delta
    )


def exclusive_list_made(tenant: Tenant):
    return {}, _exclusive(tenant).province


def exclusive_made(tenant: Tenant):
    region = _exclusive(tenant)
    return {"pk": region.pk}, region.province


def exclusive_kept(kwargs: dict) -> bool:
    return ExclusiveRegion.objects.filter(pk=kwargs["pk"]).exists()


# --- dealer pages --------------------------------------------------------------------------------------


def _sub_dealer(tenant: Tenant) -> Tenant:
    n = next(_n)
    # A dealer row without a schema (never visited), created from the public schema.
    public = Tenant.objects.get(schema_name=get_public_schema_name())
    with tenant_context(public):
        sub = Tenant.objects.create(
            schema_name=f"t_isosub{n}",
            slug=f"isosub{n}",
            name=f"ISO-Sub-{tenant.slug}-{n}",
            type=TenantType.DEALER,
            status=TenantStatus.ACTIVE,
        )
    profile = dealer_profile_of(sub)
    profile.parent = dealer_profile_of(tenant)
    profile.save(update_fields=["parent"])
    return sub


def sub_dealers_made(tenant: Tenant):
    return {}, _sub_dealer(tenant).name


def sub_orders_made(tenant: Tenant):
    from routing.models import OrderRoute

    sub = _sub_dealer(tenant)
    n = next(_n)
    route = OrderRoute.objects.create(
        dealer=sub,
        supplier=Tenant.objects.get(slug="acme"),
        dealer_order_id=900000 + n,
        dealer_order_number=f"ISO-NET-{n}",
        dealer_split_id=900000 + n,
        supplier_order_id=900000 + n,
        supplier_order_number=f"ISO-NETS-{n}",
        status="pending",
        goods_total="10.00",
        supply_total="8.00",
    )
    return {"pk": sub.pk}, route.dealer_order_number


def sub_earnings_made(tenant: Tenant):
    sub = _sub_dealer(tenant)
    return {"pk": sub.pk}, sub.name


CASES: list[Case] = [
    Case("supplier-network:rule", rule_made, types=("supplier",)),
    Case("supplier-network:exclusive-region-list", exclusive_list_made, types=("supplier",)),
    Case(
        "supplier-network:exclusive-region-delete",
        exclusive_made,
        types=("supplier",),
        intact=exclusive_kept,
    ),
    Case("dealer-network:sub-dealer-list", sub_dealers_made, types=("dealer",)),
    Case("dealer-network:sub-dealer-orders", sub_orders_made, types=("dealer",)),
    Case("dealer-network:sub-dealer-earnings", sub_earnings_made, types=("dealer",)),
]
EXEMPT: dict[str, str] = {
    "supplier-network:exclusive-region-create": (
        "a form showing no tenant data; what it writes is the requesting supplier's own row "
        "(tests/network/test_supplier_pages.py::test_exclusive_regions_are_per_supplier)"
    ),
}
