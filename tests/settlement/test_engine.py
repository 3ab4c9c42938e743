"""The settlement run: what it settles, its ledger, and that it happens exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from routing.models import RouteLine
from settlement.engine import settlement_run
from settlement.models import (
    Adjustment,
    CategoryFee,
    FeePayer,
    JournalEntry,
    LedgerAccount,
    Posting,
    RebateTier,
    SettledLine,
    SettlementRun,
    SettlementSettings,
    Statement,
)
from tests.settlement.builders import line_make

DAY = dt.date(2031, 3, 10)


def balance(party: str, tenant_id=None, kind: str = "payable") -> Decimal:
    """What the platform owes the party (credit balance), from the postings alone."""
    total = Posting.objects.filter(
        account__party=party, account__tenant_id=tenant_id, account__kind=kind
    ).aggregate(total=Sum("amount"))["total"]
    return -(total or Decimal(0))


def unbalanced_entries() -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entry_id, SUM(amount) FROM settlement_posting GROUP BY entry_id "
            "HAVING SUM(amount) <> 0"
        )
        return cursor.fetchall()


def test_a_day_settles_its_lines_once_with_fee_margin_and_a_balanced_ledger(
    leaf, supplier_a, dealer
):
    CategoryFee.objects.create(category=leaf, percent=Decimal("5"))
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="1000.00",
        supply_total="800.00",
        settleable=DAY,
    )
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="500.00",
        supply_total="350.00",
        settleable=DAY,
    )
    # Not yet past its after-sales window at the end of the day: waits for a later run.
    later = line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="99.00",
        supply_total="50.00",
        settleable=DAY + dt.timedelta(days=1),
    )

    run = settlement_run(kind="daily", period_start=DAY)

    assert run.lines == 2
    assert not SettledLine.objects.filter(route_line=later).exists()
    # The supplier pays the 5 % fee on 1,500: it is owed 1,150 − 75; the dealer its margin 350.
    assert balance("supplier", supplier_a.pk) == Decimal("1075.00")
    assert balance("dealer", dealer.pk) == Decimal("350.00")
    assert balance("platform", None, "revenue") == Decimal("75.00")
    assert balance("platform", None, "clearing") == Decimal("-1500.00")  # buyer money held
    assert not unbalanced_entries()
    assert Posting.objects.aggregate(total=Sum("amount"))["total"] == 0
    statement = Statement.objects.get(run=run, party="dealer", tenant_id=dealer.pk)
    assert (statement.sales, statement.margin, statement.net) == (
        Decimal("1500.00"),
        Decimal("350.00"),
        Decimal("350.00"),
    )
    supplier_statement = Statement.objects.get(run=run, party="supplier", tenant_id=supplier_a.pk)
    assert (supplier_statement.supply, supplier_statement.fees, supplier_statement.net) == (
        Decimal("1150.00"),
        Decimal("75.00"),
        Decimal("1075.00"),
    )


def test_a_category_without_a_fee_takes_its_parents_then_the_default(leaf, supplier_a, dealer):
    settings = SettlementSettings.current()
    settings.default_fee_percent = Decimal("1")
    settings.fee_payer = FeePayer.DEALER
    settings.save()
    CategoryFee.objects.create(category=leaf.parent, percent=Decimal("3"))
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="200.00",
        supply_total="100.00",
        settleable=DAY,
    )
    other = type(leaf).objects.filter(level=3).exclude(parent=leaf.parent).first()
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=other.pk,
        line_total="200.00",
        supply_total="100.00",
        settleable=DAY,
    )
    settlement_run(kind="daily", period_start=DAY)
    fees = sorted(SettledLine.objects.values_list("fee_percent", "fee"))
    assert fees == [(Decimal("1.00"), Decimal("2.00")), (Decimal("3.00"), Decimal("6.00"))]
    # The dealer pays the fees: margin 200 − 8.
    assert balance("dealer", dealer.pk) == Decimal("192.00")


def test_running_a_period_again_changes_nothing(leaf, supplier_a, dealer):
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="10.00",
        supply_total="8.00",
        settleable=DAY,
    )
    first = settlement_run(kind="daily", period_start=DAY)
    counts = (SettledLine.objects.count(), JournalEntry.objects.count(), Posting.objects.count())
    again = settlement_run(kind="daily", period_start=DAY)
    assert again.pk == first.pk
    assert (
        SettledLine.objects.count(),
        JournalEntry.objects.count(),
        Posting.objects.count(),
    ) == counts
    # A line settled on one day is not settled again by the next day's run.
    next_day = settlement_run(kind="daily", period_start=DAY + dt.timedelta(days=1))
    assert next_day.lines == 0


def test_a_refund_after_settlement_is_clawed_back_in_the_next_period(leaf, supplier_a, dealer):
    CategoryFee.objects.create(category=leaf, percent=Decimal("10"))
    line = line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="300.00",
        supply_total="200.00",
        settleable=DAY,
    )
    first = settlement_run(kind="daily", period_start=DAY)
    closed = Statement.objects.get(run=first, party="dealer", tenant_id=dealer.pk)

    RouteLine.objects.filter(pk=line.pk).update(
        refunded_amount=Decimal("100.00"), refunded_supply=Decimal("66.67")
    )
    second = settlement_run(kind="daily", period_start=DAY + dt.timedelta(days=1))

    adjustment = Adjustment.objects.get(run=second)
    assert (adjustment.refund, adjustment.supply, adjustment.fee) == (
        Decimal("100.00"),
        Decimal("66.67"),
        Decimal("10.00"),
    )
    # The closed statement is as it was; the new one carries the clawback.
    closed.refresh_from_db()
    assert (closed.net, closed.margin) == (Decimal("100.00"), Decimal("100.00"))
    assert Statement.objects.get(run=second, party="dealer", tenant_id=dealer.pk).net == Decimal(
        "-33.33"
    )
    # Supplier: owed 200 − 30 fee, gives back 66.67 − 10 fee returned.
    assert balance("supplier", supplier_a.pk) == Decimal("113.33")
    assert balance("platform", None, "revenue") == Decimal("20.00")
    assert not unbalanced_entries()
    # A third run finds nothing more to claw back.
    third = settlement_run(kind="daily", period_start=DAY + dt.timedelta(days=2))
    assert third.adjustments == 0


def test_monthly_rebates_follow_the_suppliers_tiers(leaf, supplier_a, supplier_b, dealer):
    RebateTier.objects.create(supplier=supplier_a, min_volume=Decimal("500"), percent=Decimal("1"))
    RebateTier.objects.create(supplier=supplier_a, min_volume=Decimal("1000"), percent=Decimal("2"))
    RebateTier.objects.create(supplier=supplier_b, min_volume=Decimal("5000"), percent=Decimal("1"))
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="900.00",
        supply_total="700.00",
        settleable=DAY,
    )
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="700.00",
        supply_total="500.00",
        settleable=DAY + dt.timedelta(days=3),
    )
    line_make(
        dealer=dealer,
        supplier=supplier_b,
        category_id=leaf.pk,
        line_total="900.00",
        supply_total="700.00",
        settleable=DAY,
    )
    for offset in range(4):
        settlement_run(kind="daily", period_start=DAY + dt.timedelta(days=offset))
    month = settlement_run(kind="monthly", period_start=DAY.replace(day=1))
    statement = Statement.objects.get(run=month, party="dealer", tenant_id=dealer.pk)
    # 1,200 bought from acme: 2 %; 700 from beta: below its tier.
    assert statement.rebates == Decimal("24.00")
    assert Statement.objects.get(
        run=month, party="supplier", tenant_id=supplier_a.pk
    ).net == Decimal("-24.00")
    assert not Statement.objects.filter(run=month, tenant_id=supplier_b.pk).exists()


def test_a_months_rebate_counts_its_first_and_last_day_and_not_the_day_before(
    leaf, supplier_a, dealer
):
    """Runs are dated in Beijing time; the month's bounds must not slip a day through UTC."""
    RebateTier.objects.create(supplier=supplier_a, min_volume=Decimal("1"), percent=Decimal("10"))
    first, last = dt.date(2031, 5, 1), dt.date(2031, 5, 31)
    for day, supply in (
        (first - dt.timedelta(days=1), "1000.00"),
        (first, "100.00"),
        (last, "10.00"),
    ):
        line_make(
            dealer=dealer,
            supplier=supplier_a,
            category_id=leaf.pk,
            line_total=supply,
            supply_total=supply,
            settleable=day,
        )
        settlement_run(kind="daily", period_start=day)
    may = settlement_run(kind="monthly", period_start=first)
    # May's volume is 100 + 10 (1 and 31 May); the 1,000 of 30 April belongs to April.
    assert Statement.objects.get(run=may, party="dealer", tenant_id=dealer.pk).rebates == Decimal(
        "11.00"
    )


def test_the_database_refuses_an_unbalanced_entry(db):
    account = LedgerAccount.objects.create(party="platform", kind="clearing")
    with pytest.raises(Exception, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(kind="payout", source="test:unbalanced")
        Posting.objects.create(entry=entry, account=account, amount=Decimal("5.00"))
        with connection.cursor() as cursor:  # what COMMIT would do
            cursor.execute("SET CONSTRAINTS settlement_posting_balanced IMMEDIATE")
    assert not JournalEntry.objects.filter(source="test:unbalanced").exists()


def test_lines_of_another_status_are_not_settled(leaf, supplier_a, dealer):
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="10.00",
        supply_total="8.00",
        settleable=DAY,
        status="cancelled",
    )
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="10.00",
        supply_total="8.00",
        settleable=DAY,
        status="open",
    )
    assert settlement_run(kind="daily", period_start=DAY).lines == 0
    assert SettlementRun.objects.count() == 1


def test_an_upper_dealer_earns_its_override_on_a_sub_dealers_month(
    leaf, supplier_a, dealer, dealer_b
):
    from network.models import DealerLevel, DealerProfile

    level = DealerLevel.objects.create(
        code="test-province",
        name_zh="测试省级",
        name_en="Test province",
        rank=1,
        override_percent=Decimal("2"),
        may_recruit=True,
    )
    upper = DealerProfile.objects.create(dealer=dealer, level=level, referral_code="UPPER001")
    DealerProfile.objects.create(dealer=dealer_b, parent=upper, referral_code="LOWER001")
    line_make(
        dealer=dealer_b,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="1000.00",
        supply_total="700.00",
        settleable=DAY,
    )
    settlement_run(kind="daily", period_start=DAY)
    month = settlement_run(kind="monthly", period_start=DAY.replace(day=1))

    upper_statement = Statement.objects.get(run=month, party="dealer", tenant_id=dealer.pk)
    lower_statement = Statement.objects.get(run=month, party="dealer", tenant_id=dealer_b.pk)
    assert (upper_statement.overrides, upper_statement.net) == (Decimal("20.00"), Decimal("20.00"))
    assert (lower_statement.overrides, lower_statement.net) == (
        Decimal("-20.00"),
        Decimal("-20.00"),
    )
    assert balance("dealer", dealer_b.pk) == Decimal("280.00")  # margin 300 − override 20
    assert not unbalanced_entries()


def test_task_rewards_are_paid_for_reaching_the_target(leaf, supplier_a, dealer, dealer_b):
    from settlement.models import BuyerSignup, RewardRule

    RewardRule.objects.create(
        name="3 new buyers", kind="new_buyers", target=3, bonus=Decimal("500.00")
    )
    for company in range(3):
        BuyerSignup.objects.create(
            dealer_id=dealer.pk, buyer_company_id=company + 1, registered_at=at_day(DAY)
        )
    BuyerSignup.objects.create(dealer_id=dealer_b.pk, buyer_company_id=1, registered_at=at_day(DAY))
    month = settlement_run(kind="monthly", period_start=DAY.replace(day=1))
    assert Statement.objects.get(run=month, party="dealer", tenant_id=dealer.pk).rewards == Decimal(
        "500.00"
    )
    assert not Statement.objects.filter(run=month, tenant_id=dealer_b.pk).exists()
    platform = Statement.objects.get(run=month, party="platform")
    assert (platform.rewards, platform.net) == (Decimal("500.00"), Decimal("-500.00"))
    assert balance("platform", None, "expense") == Decimal("-500.00")


def at_day(day):
    from tests.settlement.builders import at

    return at(day)
