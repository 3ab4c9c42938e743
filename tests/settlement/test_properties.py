"""Property: whatever the orders, discounts, refunds and rebates, every ledger entry balances,
the parties' balances sum to zero, and each party's balance is what the rules say it owes.

Hypothesis draws order lines (the buyer's price after any discount, which may even fall below
the supply price when the dealer funds a deep discount), refunds before and after settlement,
the fee percent and who pays it, and a rebate tier; the platform settles two days and the month,
and the ledger is checked against a model of the rules written here independently of the SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.models import RouteLine
from settlement.engine import settlement_run
from settlement.models import CategoryFee, Posting, RebateTier, SettlementSettings
from tests.settlement.builders import line_make
from tests.settlement.test_engine import balance, unbalanced_entries

DAY = dt.date(2034, 5, 10)
CENT = Decimal("0.01")


def cents(n: int) -> Decimal:
    return (Decimal(n) / 100).quantize(CENT)


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


line_strategy = st.fixed_dictionaries(
    {
        "list_price": st.integers(min_value=100, max_value=2_000_000),  # cents
        "discount": st.integers(min_value=0, max_value=60),  # % off the dealer's price
        "supply_share": st.integers(min_value=30, max_value=100),  # % of the list price
        "refund_before": st.integers(min_value=0, max_value=100),  # % of the line
        "refund_after": st.integers(min_value=0, max_value=100),  # % of what is left
        "supplier": st.sampled_from(["acme", "beta"]),
        "dealer": st.sampled_from(["delta", "omega"]),
    }
)


class _Rollback(Exception):
    pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(line_strategy, min_size=1, max_size=6),
    fee_percent=st.integers(min_value=0, max_value=1500),  # hundredths of a percent
    payer=st.sampled_from(["supplier", "dealer"]),
    rebate=st.tuples(st.integers(min_value=0, max_value=1_000_000), st.integers(1, 500)),
)
def test_the_ledger_always_balances_and_matches_the_rules(
    leaf, supplier_a, supplier_b, dealer, dealer_b, lines, fee_percent, payer, rebate
):
    tenants = {"acme": supplier_a, "beta": supplier_b, "delta": dealer, "omega": dealer_b}
    try:
        with transaction.atomic():
            _example(leaf, tenants, lines, cents(fee_percent), payer, rebate)
            raise _Rollback
    except _Rollback:
        pass


def _example(leaf, tenants, lines, percent, payer, rebate):
    rules = SettlementSettings.current()
    rules.fee_payer = payer
    rules.save()
    CategoryFee.objects.update_or_create(category=leaf, defaults={"percent": percent})
    min_volume, rebate_percent = cents(rebate[0]), cents(rebate[1])
    RebateTier.objects.create(
        supplier=tenants["acme"], min_volume=min_volume, percent=rebate_percent
    )

    owed = {key: Decimal(0) for key in tenants}
    revenue = clearing = Decimal(0)
    volume = {}  # (supplier, dealer) -> purchases of the month
    made = []
    for spec in lines:
        price = rounded(cents(spec["list_price"]) * (100 - spec["discount"]) / 100)
        supply = rounded(cents(spec["list_price"]) * spec["supply_share"] / 100)
        if price <= 0:
            continue
        refund1 = rounded(price * spec["refund_before"] / 100)
        refund1_supply = rounded(supply * spec["refund_before"] / 100)
        line = line_make(
            dealer=tenants[spec["dealer"]],
            supplier=tenants[spec["supplier"]],
            category_id=leaf.pk,
            line_total=price,
            supply_total=supply,
            settleable=DAY,
            refunded=refund1,
            refunded_supply=refund1_supply,
        )
        made.append((line, spec, price, supply, refund1, refund1_supply))
        # The rules, settled on DAY: sales and supply net of refunds so far, fee on sales.
        sales, cost = price - refund1, supply - refund1_supply
        fee = rounded(sales * percent / 100)
        owed[spec["supplier"]] += cost - (fee if payer == "supplier" else 0)
        owed[spec["dealer"]] += sales - cost - (fee if payer == "dealer" else 0)
        revenue += fee
        clearing += sales
        key = (spec["supplier"], spec["dealer"])
        volume[key] = volume.get(key, Decimal(0)) + cost

    settlement_run(kind="daily", period_start=DAY)

    # Refunds after settlement: clawed back the next day.
    for line, spec, price, supply, refund1, refund1_supply in made:
        refund2 = rounded((price - refund1) * spec["refund_after"] / 100)
        refund2_supply = rounded((supply - refund1_supply) * spec["refund_after"] / 100)
        if not refund2 and not refund2_supply:
            continue
        RouteLine.objects.filter(pk=line.pk).update(
            refunded_amount=refund1 + refund2, refunded_supply=refund1_supply + refund2_supply
        )
        fee_back = rounded(refund2 * percent / 100)
        owed[spec["supplier"]] -= refund2_supply - (fee_back if payer == "supplier" else 0)
        owed[spec["dealer"]] -= refund2 - refund2_supply - (fee_back if payer == "dealer" else 0)
        revenue -= fee_back
        clearing -= refund2
        key = (spec["supplier"], spec["dealer"])
        volume[key] -= refund2_supply

    settlement_run(kind="daily", period_start=DAY + dt.timedelta(days=1))
    settlement_run(kind="monthly", period_start=DAY.replace(day=1))
    for (supplier, dealer), purchases in volume.items():
        if supplier == "acme" and purchases > 0 and purchases >= min_volume:
            amount = rounded(purchases * rebate_percent / 100)
            owed[supplier] -= amount
            owed[dealer] += amount

    assert not unbalanced_entries()
    assert (Posting.objects.aggregate(total=Sum("amount"))["total"] or 0) == 0
    for key, tenant in tenants.items():
        assert balance(tenant.type, tenant.pk) == owed[key], key
    assert balance("platform", None, "revenue") == revenue
    assert -balance("platform", None, "clearing") == clearing
