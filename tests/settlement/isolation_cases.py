"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies).

Statements live in the public schema with global ids: the isolation is that every page, action
and export filters by the request's tenant, so the id of delta's statement answers 404 at omega
and at the suppliers (and acme's at beta and the dealers).
"""

from __future__ import annotations

from settlement.models import Statement, StatementStatus
from tenants.models import Tenant
from tests.isolation_case import Case

# A line of 4,321.09 at the dealer's price, 1,000.00 at the supply price: the dealer's margin
# (and net) is 3,321.09; the supplier is owed 1,000.00 less the 2 % default fee: 913.58.
LINE = ("4321.09", "1000.00")
NET = {"dealer": "¥3,321.09", "supplier": "¥913.58"}


def _statement(tenant: Tenant) -> Statement:
    from tests.settlement.statement_helpers import run_make, statement_of

    if tenant.type == "dealer":
        dealer, supplier = tenant, Tenant.objects.get(slug="acme")
    else:
        dealer, supplier = Tenant.objects.get(slug="delta"), tenant
    run = run_make(dealer=dealer, supplier=supplier, lines=[LINE])
    return statement_of(run, tenant)


def rebate_tiers_made(tenant: Tenant):
    """The supplier's rebate tier page: its own tier's volume (a rebate is per supplier)."""
    from decimal import Decimal

    from settlement.models import RebateTier

    RebateTier.objects.create(
        supplier=tenant, min_volume=Decimal("7654321.00"), percent=Decimal("3.00")
    )
    return {}, "7654321.00"


def figures_made(tenant: Tenant):
    """The dashboard and the list: the statement's net."""
    _statement(tenant)
    return {}, NET[tenant.type]


def statement_made(tenant: Tenant):
    """The detail page: the order number of the settled line, as this party knows it."""
    statement = _statement(tenant)
    from settlement.selectors import statement_lines

    route = statement_lines(statement=statement).get().route_line.route
    number = route.dealer_order_number if tenant.type == "dealer" else route.supplier_order_number
    return {"pk": statement.pk}, number


def statement_issued(kwargs: dict) -> bool:
    statement = Statement.objects.get(pk=kwargs["pk"])
    return statement.status == StatementStatus.ISSUED and not statement.comment


def _cases(namespace: str, tenant_type: str) -> list[Case]:
    types = (tenant_type,)
    return [
        Case(f"{namespace}:dashboard", make=figures_made, types=types),
        Case(f"{namespace}:statement-list", make=figures_made, types=types),
        Case(f"{namespace}:statement-detail", make=statement_made, types=types),
        Case(
            f"{namespace}:statement-confirm",
            make=statement_made,
            types=types,
            method="post",
            home_status=302,
            intact=statement_issued,
        ),
        Case(
            f"{namespace}:statement-dispute",
            make=statement_made,
            types=types,
            method="post",
            home_status=400,  # at home, a POST without a comment: the statement exists
            post={"comment": "disputed from outside"},
            intact=statement_issued,
        ),
    ]


CASES: list[Case] = [
    *_cases("dealer-earnings", "dealer"),
    *_cases("supplier-settlement", "supplier"),
    Case("supplier-settlement:rebate-tiers", make=rebate_tiers_made, types=("supplier",)),
]

_EXPORTS = (
    "streamed file (the isolation table reads page text): tests/settlement/test_exports.py::"
    "test_exports_of_another_partys_statement_are_404"
)
EXEMPT: dict[str, str] = {
    "dealer-earnings:statement-export-csv": _EXPORTS,
    "dealer-earnings:statement-export-xlsx": _EXPORTS,
    "supplier-settlement:statement-export-csv": _EXPORTS,
    "supplier-settlement:statement-export-xlsx": _EXPORTS,
}
