"""Settlement in Celery: beat starts the periods, each run is exactly once (settlement.engine).

``settlement.daily`` (beat, early each morning Beijing time) settles every day of the last
week that has no run yet (a day missed while the workers were down is caught up), and the
month before when its monthly run is missing; ``settlement.monthly`` (beat, on the 1st) the
month before, when the platform settles monthly, and always that month's rebates, overrides
and rewards, after its open days. Both only do what is missing.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from settlement.engine import period_bounds, settlement_run
from settlement.models import Frequency, SettlementRun, SettlementSettings

CATCH_UP_DAYS = 7


@shared_task(name="settlement.run_period")
def settlement_run_task(kind: str, period_start: str) -> int:
    """Settle one period (ISO date); returns the run id. Safe to run twice or at once."""
    return settlement_run(kind=kind, period_start=dt.date.fromisoformat(period_start)).pk


def days_due(today: dt.date) -> list[dt.date]:
    done = set(
        SettlementRun.objects.filter(
            kind=Frequency.DAILY, period_start__gte=today - dt.timedelta(days=CATCH_UP_DAYS)
        ).values_list("period_start", flat=True)
    )
    return [
        today - dt.timedelta(days=n)
        for n in range(CATCH_UP_DAYS, 0, -1)
        if today - dt.timedelta(days=n) not in done
    ]


def _previous_month(today: dt.date) -> dt.date:
    first_of_this_month = today.replace(day=1)
    last_month = (first_of_this_month - dt.timedelta(days=1)).replace(day=1)
    assert period_bounds(Frequency.MONTHLY, last_month)[1] == first_of_this_month
    return last_month


@shared_task(name="settlement.daily")
def settlement_daily(today: str | None = None) -> int:
    """Settle the past days that are still open (when the platform settles daily), then the
    month before if its monthly run is missing (beat's run on the 1st was missed: the next
    day catches it up, after that month's last days). Returns the runs made or found."""
    today_date = dt.date.fromisoformat(today) if today else timezone.localdate()
    due = []
    if SettlementSettings.current().frequency == Frequency.DAILY:
        due = days_due(today_date)
        for day in due:
            settlement_run(kind=Frequency.DAILY, period_start=day)
    last_month = _previous_month(today_date)
    if not SettlementRun.objects.filter(kind=Frequency.MONTHLY, period_start=last_month).exists():
        settlement_run(kind=Frequency.MONTHLY, period_start=last_month)
        return len(due) + 1
    return len(due)


@shared_task(name="settlement.monthly")
def settlement_monthly(today: str | None = None) -> int | None:
    """Settle last month: its lines when the platform settles monthly, its rebates,
    overrides and task rewards either way, after any of its days still open."""
    today_date = dt.date.fromisoformat(today) if today else timezone.localdate()
    settlement_daily(today=today_date.isoformat())
    return settlement_run(kind=Frequency.MONTHLY, period_start=_previous_month(today_date)).pk


@shared_task(name="settlement.statement_notify")
def statement_notify_task(*, statement_id: int) -> int:
    """Tell a party that its statement was resolved or paid, in the party's own schema."""
    from platform_site.celery import run_in_tenant
    from settlement.models import Statement
    from settlement.services import statement_notify

    tenant_id = (
        Statement.objects.filter(pk=statement_id).values_list("tenant_id", flat=True).first()
    )
    if tenant_id is None:
        return 0
    return run_in_tenant(tenant_id, statement_notify, statement_id=statement_id)
