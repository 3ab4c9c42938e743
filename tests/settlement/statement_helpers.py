"""Real statements for the statement, export, dashboard and isolation tests: order lines made
with ``builders.line_make`` and settled by ``settlement.engine.settlement_run``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from accounts.models import Role
from catalog.models import Category
from catalog.seed import category_tree_seed
from settlement.engine import settlement_run
from settlement.models import Posting, SettlementRun, Statement
from tests.accounts.helpers import member_make, signed_in
from tests.settlement.builders import line_make

DAY = dt.date(2031, 3, 10)


def leaf_category() -> Category:
    category_tree_seed()
    return Category.objects.filter(level=3).order_by("pk").first()


def run_make(*, dealer, supplier, lines, day: dt.date = DAY) -> SettlementRun:
    """Settle ``lines`` ((line_total, supply_total[, quantity]), ...) of ``dealer`` with
    ``supplier`` in the daily run of ``day`` (default fee: 2 %, charged to the supplier)."""
    schema = connection.schema_name
    category = leaf_category()
    for values in lines:
        total, supply, *rest = values
        line_make(
            dealer=dealer,
            supplier=supplier,
            category_id=category.pk,
            line_total=total,
            supply_total=supply,
            quantity=rest[0] if rest else 1,
            settleable=day,
        )
    run = settlement_run(kind="daily", period_start=day)
    if schema != "public":  # the run puts the connection on public; a caller in a tenant stays
        from tenants.models import Tenant

        connection.set_tenant(Tenant.objects.get(schema_name=schema))
    return run


def statement_of(run: SettlementRun, tenant) -> Statement:
    return Statement.objects.get(run=run, party=tenant.type, tenant_id=tenant.pk)


def payable_balance(tenant) -> Decimal:
    """What the platform owes ``tenant`` now, from the postings alone."""
    total = Posting.objects.filter(
        account__party=tenant.type, account__tenant_id=tenant.pk, account__kind="payable"
    ).aggregate(total=Sum("amount"))["total"]
    return -(total or Decimal(0))


def backoffice_client(host_client, tenant, *, role=Role.MANAGER, email=None):
    user = member_make(tenant, email=email or f"{role}@{tenant.slug}.statements.test", role=role)
    return signed_in(host_client(tenant), tenant, user), user
