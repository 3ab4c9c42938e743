#!/usr/bin/env python
"""Settlement benchmark: one run over 1,000,000 completed order lines.

    .venv/bin/python bench/settlement.py [--lines 1000000] [--dealers 200] [--suppliers 50]

On the same PostgreSQL server the platform uses (embedded under var/, or DATABASE_URL's), it
creates a scratch database ``bench_st_<pid>``, migrates the public schema and seeds, with
set-based SQL: 200 dealers and 50 suppliers (tenant rows; settlement never enters their
schemas), a dealer hierarchy with override commissions, category fees, rebate tiers, and
``--lines`` received order lines (``routing.RouteLine``, two per route) past their after-sales
window, spread over every leaf category; a tenth of them partly refunded before settlement.

It then times ``settlement.engine.settlement_run`` for the day (every line settled, the
ledger written, statements issued) and the monthly run (rebates and overrides over the month),
checks that every line was settled once and that the ledger balances, runs it again to show a
re-run changes nothing, and runs pgbench (TPC-B-like, 8 clients) against the same server for
the baseline. The LAST line is ``settlement_lines_per_s=<value> lines/s``. Target: the whole
period in ≤ 60 s on a 2-core machine. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.checkout import pgbench_tpcb  # noqa: E402 - after the path insert
from bench.provision import (  # noqa: E402
    database_params,
    machine,
    production_refuse,
    scratch_database,
)

DAY = dt.date(2031, 7, 15)


def seed(cursor, *, lines: int, dealers: int, suppliers: int) -> None:
    """Tenants, network, fees, tiers and the order lines, in a few statements."""
    cursor.execute(
        """
        INSERT INTO tenants_tenant (schema_name, type, name, slug, status, created_at)
        SELECT 'bench_d_' || n, 'dealer', 'Bench dealer ' || n, 'bench-d-' || n, 'active', now()
        FROM generate_series(1, %(dealers)s) n
        UNION ALL
        SELECT 'bench_s_' || n, 'supplier', 'Bench supplier ' || n, 'bench-s-' || n, 'active',
               now()
        FROM generate_series(1, %(suppliers)s) n
        """,
        {"dealers": dealers, "suppliers": suppliers},
    )
    cursor.execute(
        """
        INSERT INTO network_dealerprofile (dealer_id, province, city, referral_code, created_at,
                                           level_id, parent_id)
        SELECT t.id, '', '', 'B' || t.id, now(),
               (SELECT id FROM network_dealerlevel ORDER BY rank LIMIT 1), NULL
        FROM tenants_tenant t WHERE t.type = 'dealer' AND t.slug LIKE 'bench-d-%%'
        """,
        {},
    )
    # Every fifth dealer answers to the dealer before it.
    cursor.execute(
        """
        UPDATE network_dealerprofile child SET parent_id = parent.id
        FROM network_dealerprofile parent
        WHERE child.dealer_id %% 5 = 0 AND parent.dealer_id = child.dealer_id - 1
        """,
        {},
    )
    cursor.execute("UPDATE network_dealerlevel SET override_percent = 1.5")
    cursor.execute(
        """
        INSERT INTO settlement_categoryfee (category_id, percent)
        SELECT id, 1 + (id %% 5) FROM catalog_category WHERE level = 1
        """,
        {},
    )
    cursor.execute(
        """
        INSERT INTO settlement_rebatetier (supplier_id, min_volume, percent)
        SELECT t.id, v.min_volume, v.percent FROM tenants_tenant t
        CROSS JOIN (VALUES (50000, 1), (100000, 2)) v(min_volume, percent)
        WHERE t.type = 'supplier' AND t.slug LIKE 'bench-s-%%'
        """,
        {},
    )
    routes = lines // 2
    cursor.execute(
        """
        CREATE TEMP TABLE bench_ids AS
        SELECT (array_agg(id ORDER BY id) FILTER (WHERE type = 'dealer')) AS dealers,
               (array_agg(id ORDER BY id) FILTER (WHERE type = 'supplier')) AS suppliers,
               (SELECT array_agg(id ORDER BY id) FROM catalog_category WHERE level = 3) AS leaves
        FROM tenants_tenant WHERE slug LIKE 'bench-%%'
        """,
        {},
    )
    cursor.execute(
        """
        INSERT INTO routing_orderroute
            (id, dealer_id, supplier_id, dealer_order_id, dealer_order_number, dealer_split_id,
             supplier_order_id, supplier_order_number, status, goods_total, supply_total,
             placed_at, updated_at)
        SELECT n, b.dealers[1 + n %% array_length(b.dealers, 1)],
               b.suppliers[1 + (n / 7) %% array_length(b.suppliers, 1)],
               n, 'D' || n, n, n, 'S' || n, 'received', 0, 0, %(placed)s, %(placed)s
        FROM generate_series(1, %(routes)s) n, bench_ids b
        """,
        {"routes": routes, "placed": dt.datetime(2031, 7, 1, tzinfo=dt.UTC)},
    )
    cursor.execute(
        """
        INSERT INTO routing_routeline
            (route_id, dealer_id, supplier_id, dealer_line_id, supplier_line_id,
             buyer_company_id, offer_sku_id, category_id, sku_code, quantity, unit_price,
             line_total, supply_price, supply_total, returned_quantity, refunded_amount,
             refunded_supply, status, placed_at, received_at, settleable_at)
        SELECT r.id, r.dealer_id, r.supplier_id, r.id * 2 + k, r.id * 2 + k, r.id %% 997, 0,
               b.leaves[1 + (r.id + k) %% array_length(b.leaves, 1)],
               'SKU-' || (r.id %% 5000), q, p, q * p, s, q * s, 0,
               CASE WHEN r.id %% 10 = 0 THEN ROUND(q * p / 4, 2) ELSE 0 END,
               CASE WHEN r.id %% 10 = 0 THEN ROUND(q * s / 4, 2) ELSE 0 END,
               'received', r.placed_at, r.placed_at + interval '3 days', %(settleable)s
        FROM routing_orderroute r, bench_ids b, generate_series(0, 1) k,
             LATERAL (SELECT 1 + (r.id + k) %% 5 AS q,
                             ROUND((50 + (r.id * 7 + k) %% 2000)::numeric, 2) AS p) a,
             LATERAL (SELECT ROUND(a.p * 0.8, 2) AS s) c
        """,
        {"settleable": dt.datetime(2031, 7, 15, 2, tzinfo=dt.UTC)},
    )
    cursor.execute("ANALYZE routing_routeline")
    cursor.execute("ANALYZE routing_orderroute")


def main() -> int:
    parser = argparse.ArgumentParser(description="One settlement run over many order lines.")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--dealers", type=int, default=200)
    parser.add_argument("--suppliers", type=int, default=50)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    production_refuse(parser)
    with scratch_database("st", keep=args.keep, env={"TENANT_POOL_SIZE": "0"}) as scratch:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from catalog.seed import category_tree_seed
        from settlement.engine import settlement_run
        from settlement.models import SettledLine, Statement

        print(f"machine: {machine()}")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            print(f"postgres: {cursor.fetchone()[0]}")
        started = time.perf_counter()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        category_tree_seed()
        with connection.cursor() as cursor:
            seed(cursor, lines=args.lines, dealers=args.dealers, suppliers=args.suppliers)
        print(
            f"seed: {args.lines:,} received lines of {args.dealers} dealers and "
            f"{args.suppliers} suppliers in {time.perf_counter() - started:.1f} s"
        )
        params = database_params(scratch.url)
        params["admin_url"] = scratch.server_url
        print(f"baseline: pgbench {pgbench_tpcb(params, args.pgbench_seconds)}")

        t0 = time.perf_counter()
        run = settlement_run(kind="daily", period_start=DAY)
        daily = time.perf_counter() - t0
        t0 = time.perf_counter()
        month = settlement_run(kind="monthly", period_start=DAY.replace(day=1))
        monthly = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = settlement_run(kind="daily", period_start=DAY)
        rerun = time.perf_counter() - t0

        settled = SettledLine.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT entry_id FROM settlement_posting GROUP BY entry_id "
                "HAVING SUM(amount) <> 0) x"
            )
            unbalanced = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM settlement_posting")
            total = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM settlement_journalentry")
            entries = cursor.fetchone()[0]
        statements = Statement.objects.filter(run__in=[run, month]).count()
        print(
            f"daily run: {run.lines:,} lines settled in {daily:.1f} s; monthly run (rebates, "
            f"overrides) {monthly:.1f} s; re-run {rerun * 1000:.0f} ms (same run: "
            f"{again.pk == run.pk})"
        )
        print(
            f"check: {settled:,} lines settled once of {args.lines:,}; {entries:,} journal "
            f"entries, {unbalanced} unbalanced, postings sum {total}; {statements} statements"
        )
        print(f"whole period: {daily + monthly:.1f} s (target ≤ 60 s)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print()
        print(f"settlement_period_s={daily + monthly:.1f} s")
        print(f"settlement_lines_per_s={run.lines / daily:.0f} lines/s")
        return 0 if settled == args.lines and not unbalanced and total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
