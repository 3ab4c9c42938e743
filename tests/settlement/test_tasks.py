"""What beat's settlement tasks catch up when runs were missed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from settlement.models import Frequency, RebateTier, SettlementRun, Statement
from settlement.tasks import settlement_daily
from tests.settlement.builders import line_make


def test_a_missed_first_of_the_month_is_caught_up_after_the_months_last_days(
    leaf, supplier_a, dealer
):
    RebateTier.objects.create(supplier=supplier_a, min_volume=Decimal("1"), percent=Decimal("10"))
    line_make(
        dealer=dealer,
        supplier=supplier_a,
        category_id=leaf.pk,
        line_total="100.00",
        supply_total="100.00",
        settleable=dt.date(2031, 3, 31),
    )

    # The workers were down from 31 March to 2 April: the 3rd's daily task does it all.
    made = settlement_daily(today="2031-04-03")

    days = set(
        SettlementRun.objects.filter(kind=Frequency.DAILY).values_list("period_start", flat=True)
    )
    assert {dt.date(2031, 3, 31), dt.date(2031, 4, 1), dt.date(2031, 4, 2)} <= days
    march = SettlementRun.objects.get(kind=Frequency.MONTHLY, period_start=dt.date(2031, 3, 1))
    # March's rebate counts its last day, settled just before in the same task.
    assert Statement.objects.get(run=march, party="dealer", tenant_id=dealer.pk).rebates == Decimal(
        "10.00"
    )
    assert made == len(days) + 1
    assert settlement_daily(today="2031-04-03") == 0  # nothing left to do
