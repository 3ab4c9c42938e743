"""Exactly once, for real: two workers settling the same period at once, and a worker killed in
the middle of a run and restarted. These tests commit (other connections must see the rows),
on a period of their own, and remove what they made."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.db.models import Sum

from catalog.models import Category
from catalog.seed import category_tree_seed
from routing.models import OrderRoute, RouteLine
from settlement.engine import settlement_run
from settlement.models import (
    Adjustment,
    JournalEntry,
    Posting,
    SettledLine,
    SettlementRun,
    Statement,
)
from tenants.models import Tenant
from tests.settlement.builders import line_make

BASE_DIR = Path(__file__).resolve().parents[2]
LINES = 40


def _cleanup(day: dt.date) -> None:
    runs = list(SettlementRun.objects.filter(period_start=day).values_list("pk", flat=True))
    Statement.objects.filter(run_id__in=runs).delete()
    Posting.objects.filter(entry__run_id__in=runs).delete()
    JournalEntry.objects.filter(run_id__in=runs).delete()
    SettledLine.objects.filter(run_id__in=runs).delete()
    Adjustment.objects.filter(run_id__in=runs).delete()
    SettlementRun.objects.filter(pk__in=runs).delete()
    routes = OrderRoute.objects.filter(dealer_order_number__startswith="XONCE")
    RouteLine.objects.filter(route__in=routes).delete()
    routes.delete()


@pytest.fixture
def period(committed_db):
    """A day of its own with LINES received lines of acme sold by delta, committed."""
    day = dt.date(2033, 1, 17)
    category_tree_seed()
    leaf = Category.objects.filter(level=3).order_by("pk").first()
    acme, delta = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="delta")
    _cleanup(day)
    for n in range(LINES):
        line = line_make(
            dealer=delta,
            supplier=acme,
            category_id=leaf.pk,
            line_total=f"{100 + n}.00",
            supply_total=f"{70 + n}.00",
            settleable=day,
        )
        OrderRoute.objects.filter(pk=line.route_id).update(dealer_order_number=f"XONCE{n:05d}")
    expected = RouteLine.objects.filter(route__dealer_order_number__startswith="XONCE").aggregate(
        sales=Sum("line_total"), supply=Sum("supply_total")
    )
    yield day, expected
    connection.set_schema_to_public()
    _cleanup(day)


def _totals(day):
    run = SettlementRun.objects.get(kind="daily", period_start=day)
    lines = SettledLine.objects.filter(run=run).aggregate(sales=Sum("sales"), supply=Sum("supply"))
    statements = {(s.party, s.tenant_id): s.net for s in Statement.objects.filter(run=run)}
    return SettledLine.objects.filter(run=run).count(), lines, statements


def test_two_workers_settling_the_same_period_at_once_make_one_settlement(period):
    day, expected = period
    results = []

    def work():
        try:
            results.append(settlement_run(kind="daily", period_start=day).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and results[0] == results[1]
    count, lines, _statements = _totals(day)
    assert count == LINES
    assert (lines["sales"], lines["supply"]) == (expected["sales"], expected["supply"])
    assert JournalEntry.objects.filter(run_id=results[0], kind="sale").count() == 1


def _params() -> dict:
    """libpq parameters of the test database (host may be a socket directory in OPTIONS)."""
    settings = connection.settings_dict
    return {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings.get("PASSWORD") or "",
        "host": settings.get("HOST") or settings.get("OPTIONS", {}).get("host") or None,
        "port": settings.get("PORT") or None,
    }


def _database_env() -> dict:
    settings = connection.settings_dict
    host = _params()["host"] or ""
    url = (
        f"postgresql://{settings['USER']}:{settings.get('PASSWORD') or ''}@/{settings['NAME']}"
        f"?host={host}&port={settings.get('PORT') or 5432}"
        if host.startswith("/")
        else f"postgresql://{settings['USER']}:{settings.get('PASSWORD') or ''}@{host}:"
        f"{settings.get('PORT') or 5432}/{settings['NAME']}"
    )
    return {**os.environ, "DATABASE_URL": url, "PYTEST_VERSION": ""}


def test_a_worker_killed_mid_run_leaves_nothing_and_the_restart_settles_the_same_totals(period):
    day, expected = period
    blocker = psycopg2.connect(**_params())
    worker = None
    try:
        # Hold the statements table: the run settles its lines, writes the ledger, then waits
        # here, in the middle of its transaction, until it is killed.
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE settlement_statement IN ACCESS EXCLUSIVE MODE")
        code = (
            "import django, datetime; django.setup(); "
            "from settlement.engine import settlement_run; "
            f"settlement_run(kind='daily', period_start=datetime.date({day.year}, {day.month}, "
            f"{day.day}))"
        )
        worker = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=str(BASE_DIR),
            env=_database_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        waiting = False
        while time.monotonic() < deadline and not waiting:
            with connection.cursor() as cursor:  # a backend blocked by our table lock
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE %s = ANY(pg_blocking_pids(pid)) AND datname = current_database()",
                    [blocker.get_backend_pid()],
                )
                waiting = cursor.fetchone()[0] > 0
            if worker.poll() is not None:
                pytest.fail(f"the worker ended early: {worker.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        assert waiting, "the run never reached the statements step"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        blocker.rollback()
        blocker.close()
        if worker is not None and worker.poll() is None:
            worker.kill()
    time.sleep(0.5)  # the server notices the dead client and rolls its transaction back
    assert not SettlementRun.objects.filter(period_start=day).exists()
    assert not SettledLine.objects.filter(
        route_line__route__dealer_order_number__startswith="XONCE"
    ).exists()

    settlement_run(kind="daily", period_start=day)  # the restart
    count, lines, statements = _totals(day)
    assert count == LINES
    assert (lines["sales"], lines["supply"]) == (expected["sales"], expected["supply"])
    delta = Tenant.objects.get(slug="delta")
    assert statements[("dealer", delta.pk)] == expected["sales"] - expected["supply"]
    # And once more: nothing changes.
    settlement_run(kind="daily", period_start=day)
    assert _totals(day) == (count, lines, statements)
    assert (
        Decimal(0)
        == Posting.objects.filter(entry__run__period_start=day).aggregate(total=Sum("amount"))[
            "total"
        ]
    )
