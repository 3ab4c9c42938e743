#!/usr/bin/env python
"""Inventory sync benchmark: 100,000 stock updates from an ERP to the supply catalogue.

    .venv/bin/python bench/inventory_sync.py [--products 5000 --skus 4 --warehouses 5]

On the same PostgreSQL server the platform uses (embedded under var/, or DATABASE_URL's), it
creates a scratch database ``bench_is_<pid>``, migrates it, provisions one supplier through the
real onboarding services, and seeds it in bulk: ``--products`` listed products of ``--skus``
SKUs each, stock for every SKU in ``--warehouses`` warehouses (5,000 × 4 × 5 = 100,000 stock
rows, safety stock 10 each), all published to dealers (the initial publish is timed too).

Then it applies one new ``on_hand`` to EVERY stock row (``--updates``, default all 100,000)
through the sync path, timed end to end:

1. ``supplychain.sync.stock_sync_apply`` in API-sized batches (``--batch`` 5,000 rows, a sync id
   each): validation, locking, the set-based UPDATE, low-stock alerts and notifications, the
   audit row, and after each commit the Redis dirty set + the debounced task message;
2. the offer sync the worker would run (``suppliers.publishing.offer_sync_run``, the task's
   body: take the dirty sets and carry the SKUs' stock to their offers, set-based).

It checks the result (every offer SKU's availability equals the stock), then measures a
PostgreSQL baseline in the same run on the same rows: one ``UPDATE … FROM unnest()`` writing new
values to all of them at once (the floor for touching that many rows), ``SELECT 1`` round trips
and pgbench select-only. ``--profile`` prints where the measured run spends its time. The
scratch database, its queue and its Redis keys are removed at the end. The LAST line is
``inventory_sync_s=<value> s``; the target is ≤ 10 s. Results are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.provision import (  # noqa: E402 - the path above first
    database_params,
    machine,
    median_ms,
    pgbench_tps,
    production_refuse,
    scratch_database,
)


def main() -> int:
    parser = argparse.ArgumentParser(description="100,000 stock updates through the sync path.")
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--skus", type=int, default=4, help="SKUs per product")
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument(
        "--batch", type=int, default=5000, help="rows per batch (API maximum 10,000)"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--profile", action="store_true", help="print where the measured run spends its time"
    )
    args = parser.parse_args()
    if args.products * args.skus * args.warehouses < args.updates:
        parser.error("--updates is larger than the number of stock rows")

    production_refuse(parser)
    with scratch_database("is", keep=args.keep) as scratch:
        return run_benchmark(args, scratch.url)


def supplier_provision():
    """One live supplier, made by the onboarding services (as bench/provision.py does)."""
    from accounts.models import User
    from tenants import services
    from tenants.management.commands.demo_seed import credit_code
    from tenants.models import TenantApplication

    reviewer = User.objects.create_superuser("bench@platform.example", "bench-pass-123")
    application = TenantApplication.objects.create(
        type="supplier",
        company_name="Bench Supplier 基准供应商",
        credit_code=credit_code(region="110105", organisation="BN000001"),
        contact_name="Bench Owner",
        contact_email="owner@bench-supplier.example",
        contact_phone="13800000000",
        business_scope="Benchmark",
        subdomain="bench-supplier",
    )
    services.application_approve(application_id=application.pk, reviewer=reviewer)
    return services.tenant_provision(application_id=application.pk)


def catalogue_seed(*, products: int, skus: int, warehouses: int) -> None:
    """Products, SKUs, tiers, warehouses and stock rows in bulk (the active supplier schema)."""
    from decimal import Decimal

    from catalog.models import Category
    from suppliers.models import PriceTier, Product, ProductStatus, Sku
    from supplychain.models import StockLevel, Warehouse

    category = Category.objects.get(code="smartphones")
    Warehouse.objects.bulk_create(
        Warehouse(code=f"W{w:02d}", name=f"仓库 {w}") for w in range(warehouses)
    )
    Product.objects.bulk_create(
        Product(
            code=f"B-{p:05d}",
            name=f"基准手机 Bench phone {p}",
            category=category,
            brand="星河",
            unit="台",
            parameters={
                "warranty_months": "12",
                "screen_size": "6.1",
                "cpu": "骁龙 8 Gen 3",
                "battery": "5000",
                "network": "5G",
            },
            status=ProductStatus.LISTED,
        )
        for p in range(products)
    )
    product_ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    colours = ["黑色", "白色", "蓝色", "金色", "银色", "绿色", "紫色", "红色"]
    Sku.objects.bulk_create(
        (
            Sku(
                product_id=product_id,
                code=f"B-{index:05d}-{s}",
                variant={"color": colours[s % len(colours)], "storage": "256GB"},
                supply_price=Decimal("1000.00"),
                min_resale_price=Decimal("1100.00"),
                suggested_retail_price=Decimal("1999.00"),
                position=s,
            )
            for index, product_id in enumerate(product_ids)
            for s in range(skus)
        ),
        batch_size=5000,
    )
    sku_ids = list(Sku.objects.order_by("pk").values_list("pk", flat=True))
    PriceTier.objects.bulk_create(
        (
            PriceTier(sku_id=sku_id, min_quantity=quantity, unit_price=Decimal(price))
            for sku_id in sku_ids
            for quantity, price in ((10, "950.00"), (50, "900.00"))
        ),
        batch_size=5000,
    )
    warehouse_ids = list(Warehouse.objects.order_by("pk").values_list("pk", flat=True))
    StockLevel.objects.bulk_create(
        (
            StockLevel(sku_id=sku_id, warehouse_id=warehouse_id, on_hand=100, safety_stock=10)
            for sku_id in sku_ids
            for warehouse_id in warehouse_ids
        ),
        batch_size=10_000,
    )


def vacuum_analyze() -> None:
    """What autovacuum does for a live system: planner statistics, visibility maps."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(relname) FROM pg_stat_user_tables"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def run_benchmark(args, scratch_url: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum
    from django_tenants.utils import tenant_context

    from catalog.models import OfferAudience, OfferStatus, SupplyOffer, SupplyOfferSku
    from catalog.seed import category_tree_seed
    from suppliers import publishing
    from suppliers.models import Product
    from supplychain import sync
    from supplychain.models import LowStockAlert, StockLevel

    print(f"machine: {machine()}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"postgres: {cursor.fetchone()[0]}")
    print(f"scratch database: {connection.settings_dict['NAME']} (dropped at the end)")

    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("platform_bootstrap", pool=0, verbosity=0)
    category_tree_seed()
    supplier = supplier_provision()
    connection.set_schema_to_public()
    print(f"setup: migrations, templates, one supplier in {time.perf_counter() - started:.1f} s")

    with tenant_context(supplier):
        started = time.perf_counter()
        catalogue_seed(products=args.products, skus=args.skus, warehouses=args.warehouses)
        rows = list(
            StockLevel.objects.order_by("pk").values_list(
                "pk", "sku__code", "warehouse__code", "on_hand"
            )
        )
        print(
            f"seed: {args.products:,} products, {args.products * args.skus:,} SKUs, "
            f"{args.warehouses} warehouses, {len(rows):,} stock rows in "
            f"{time.perf_counter() - started:.1f} s"
        )
        product_ids = list(Product.objects.values_list("pk", flat=True))
        Product.objects.update(published_audience=OfferAudience.ALL_DEALERS)
        started = time.perf_counter()
        report = publishing.offer_sync_now(product_ids=product_ids)
        publish_s = time.perf_counter() - started
        print(
            f"initial publish: {report.offers_created:,} offers, {report.skus_written:,} offer "
            f"SKUs written (search documents included) in {publish_s:.2f} s"
        )

    connection.set_schema_to_public()
    vacuum_analyze()
    rng = random.Random(20261121)
    chosen = rng.sample(rows, args.updates)

    # --- The measured run: batches through the sync path, then the worker's offer sync ---------
    # New quantities 0..200 with safety stock 10: about one row in twenty falls low (alerts).
    values = [rng.randint(0, 200) for _ in chosen]
    values = [value if value != 100 else 101 for value in values]  # every row really changes
    batches = [
        [
            {"sku": row[1], "warehouse": row[2], "on_hand": value}
            for row, value in zip(
                chosen[start : start + args.batch], values[start : start + args.batch], strict=True
            )
        ]
        for start in range(0, len(chosen), args.batch)
    ]
    batch_times = []
    changed = 0
    profiler = None
    statement_times: dict[str, list[float]] = {}
    if args.profile:
        import cProfile

        def timed(execute, sql, params, many, context):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                key = " ".join(sql.split())[:90]
                statement_times.setdefault(key, []).append(time.perf_counter() - t0)

        connection.execute_wrappers.append(timed)
        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    with tenant_context(supplier):
        for number, items in enumerate(batches):
            t0 = time.perf_counter()
            result = sync.stock_sync_apply(sync_id=f"bench-{number:04d}", items=items)
            batch_times.append(time.perf_counter() - t0)
            changed += result.changed
    apply_s = time.perf_counter() - started
    connection.set_schema_to_public()
    t0 = time.perf_counter()
    offer_report = publishing.offer_sync_run(tenant_id=supplier.pk, run_id="bench")
    offer_sync_s = time.perf_counter() - t0
    total_s = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        connection.execute_wrappers.clear()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
        print("SQL by total time:", file=sys.stderr)
        for key, times in sorted(statement_times.items(), key=lambda kv: -sum(kv[1]))[:25]:
            print(f"  {sum(times):7.3f} s  {len(times):4d}×  {key}", file=sys.stderr)

    # --- Check the result --------------------------------------------------------------------
    assert changed == args.updates, (changed, args.updates)
    with tenant_context(supplier):
        stock = dict(
            StockLevel.objects.values("sku_id")
            .annotate(total=Sum("on_hand"))
            .values_list("sku_id", "total")
        )
        open_alerts = LowStockAlert.objects.filter(cleared_at__isnull=True).count()
    connection.set_schema_to_public()
    offered = dict(
        SupplyOfferSku.objects.filter(offer__supplier=supplier).values_list("sku_id", "available")
    )
    assert offered == stock, "the supply catalogue does not match the stock"
    assert (
        not SupplyOffer.objects.filter(supplier=supplier)
        .exclude(status=OfferStatus.PUBLISHED)
        .exists()
    )

    # --- PostgreSQL baseline, same rows: new values for all of them in ONE statement ----------
    with tenant_context(supplier), connection.cursor() as cursor:
        baseline_values = [value + 1 for value in values]
        t0 = time.perf_counter()
        cursor.execute(
            """
            UPDATE supplychain_stocklevel s SET on_hand = v.on_hand
            FROM unnest(%s::bigint[], %s::integer[]) AS v(id, on_hand) WHERE s.id = v.id
            """,
            [[row[0] for row in chosen], baseline_values],
        )
        raw_update_s = time.perf_counter() - t0
        select_one = []
        for _ in range(500):
            t0 = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            select_one.append(time.perf_counter() - t0)
    connection.set_schema_to_public()
    print(
        f"baseline: one UPDATE … FROM unnest() of the same {args.updates:,} rows "
        f"{raw_update_s:.2f} s, SELECT 1 round trip {median_ms(select_one)}, pgbench "
        f"select-only 1 client {pgbench_tps(database_params(scratch_url), args.pgbench_seconds)}"
    )

    ordered = sorted(batch_times)
    print(
        f"apply: {len(batches)} batches of {args.batch:,} rows in {apply_s:.2f} s "
        f"(per batch median {statistics.median(batch_times):.3f} s, max {ordered[-1]:.3f} s; "
        f"{args.updates / apply_s:,.0f} rows/s); {open_alerts:,} low-stock alerts opened"
    )
    print(
        f"offer sync: {offer_report.offers_changed:,} offers, {offer_report.skus_written:,} offer "
        f"SKUs rewritten in {offer_sync_s:.2f} s"
    )
    print(
        f"checked: availability of all {len(offered):,} offer SKUs equals the stock; "
        f"{total_s / raw_update_s:.1f}× the single raw UPDATE"
    )
    print(f"inventory_sync_s={total_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
