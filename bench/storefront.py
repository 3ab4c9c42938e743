#!/usr/bin/env python
"""Storefront benchmark: list, search and product pages of one dealer under load.

    .venv/bin/python bench/storefront.py [--seconds 20] [--clients 8] [--port 8106]

On the same PostgreSQL server the platform uses (embedded under var/, or DATABASE_URL's), it
creates a scratch database ``bench_sf_<pid>``, migrates it, bootstraps the templates and seeds:

* 5 suppliers × 4,000 SKUs: 2,400 published products each (800 with one SKU, 1,600 with two),
  12,000 supply offers over every leaf category, bilingual names (e.g. "华信 Nova 7 智能手机
  Smartphone"), prices with volume tiers, stock (one offer in ten sold out); a fifth of them
  published to authorised dealers only (the dealer is authorised by two suppliers);
* one dealer listing 10,000 of the offers at the suggested retail price, 12 of them featured.

The exchange rows are written in bulk the way the publishing sync leaves them (their search
documents by catalog.search.offer_search_refresh), the listings in bulk the way
channels.services writes them: seeding through the services would take minutes and measure
nothing of the storefront.

It then serves the platform with gunicorn (``--workers`` × ``--threads``, DEBUG off) against
the scratch database and drives each page kind with ``--clients`` concurrent keep-alive
clients (threads, http.client, Host ``<dealer>.localhost``) for ``--seconds``:

* ``list``: category pages (three levels) with page, sort, brand and in-stock variations;
* ``search``: Chinese, English and partial keywords, some with filters and pages;
* ``product``: product pages of random listed offers.

Before the timed runs, a *cold* pass requests distinct URLs of each kind once with an empty
cache (what the first visitor of a page waits). Printed: throughput, median, p95 and p99
latency per kind, cold and under load, and a PostgreSQL baseline measured in the same run.
The load driver runs on the same machine and competes for its CPUs. The scratch database,
queue and cache keys are dropped at the end. The LAST line is
``storefront_search_p95_ms=<value> ms``. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.provision import (  # noqa: E402 - after the path insert
    database_params,
    machine,
    median_ms,
    pgbench_tps,
    production_refuse,
    scratch_database,
)

SUPPLIERS = 5
PRODUCTS_SINGLE, PRODUCTS_DOUBLE = 800, 1600  # per supplier: 800 + 2 × 1,600 = 4,000 SKUs
LISTINGS = 10_000
# Distinct URLs per page kind under load (products: that many of the listed offers).
POOL_SIZES = {"list": 600, "search": 400, "product": 5000}
FEATURED = 12
DEALER_SLUG = "bench-shop"

# Leaf category code -> (Chinese noun, English noun, brands, variant axis values)
PRODUCT_KINDS = {
    "smartphones": (
        "智能手机",
        "Smartphone",
        ["华信", "星河", "Nova", "Orion"],
        ["128GB", "256GB"],
    ),
    "feature-phones": ("老人手机", "Feature phone", ["守护", "Elder"], ["黑色", "红色"]),
    "phone-accessories": ("手机壳", "Phone case", ["护盾", "Shield"], ["透明", "黑色"]),
    "laptops": ("笔记本电脑", "Laptop", ["联想", "ThinkPro", "Aero"], ["16GB", "32GB"]),
    "desktops": ("台式电脑", "Desktop PC", ["天启", "Tower"], ["i5", "i7"]),
    "monitors": ("显示器", "Monitor", ["清影", "ViewMax"], ["24英寸", "27英寸"]),
    "printers": ("激光打印机", "Laser printer", ["佳印", "PrintPro"], ["黑白", "彩色"]),
    "headphones": ("蓝牙耳机", "Bluetooth headphones", ["声悦", "SoundX"], ["白色", "黑色"]),
    "speakers": ("智能音箱", "Smart speaker", ["声悦", "Echoa"], ["灰色", "白色"]),
    "cameras": ("数码相机", "Digital camera", ["光影", "Lumix-Pro"], ["单机", "套机"]),
    "refrigerators": ("双门冰箱", "Refrigerator", ["海清", "CoolMax"], ["300L", "450L"]),
    "washing-machines": ("滚筒洗衣机", "Washing machine", ["海清", "WashPro"], ["8kg", "10kg"]),
    "air-conditioners": ("变频空调", "Air conditioner", ["格力达", "AirOne"], ["1.5匹", "2匹"]),
    "televisions": ("液晶电视", "LED television", ["创维视", "VisionTV"], ["55英寸", "65英寸"]),
    "rice-cookers": ("电饭煲", "Rice cooker", ["美厨", "ChefOne"], ["3L", "5L"]),
    "microwave-ovens": ("微波炉", "Microwave oven", ["美厨", "WaveChef"], ["20L", "25L"]),
    "water-purifiers": ("净水器", "Water purifier", ["清泉", "PureFlow"], ["400G", "600G"]),
}
GENERIC_NOUNS = ("商品", "Product")
SEARCHES = [
    "手机", "智能手机", "phone", "smartphone", "smart", "笔记本", "laptop", "电脑", "显示器",
    "monitor", "打印机", "printer", "耳机", "headphones", "音箱", "speaker", "相机", "camera",
    "冰箱", "refrigerator", "洗衣机", "wash", "空调", "air", "电视", "television", "tv",
    "电饭煲", "cooker", "微波炉", "净水器", "pure", "华信", "nova", "星河 手机", "thinkpro laptop",
    "蓝牙", "bluetooth", "5g", "256gb",
]  # fmt: skip


# --- seeding ---------------------------------------------------------------------------------------


def seed(rng: random.Random) -> dict:
    """Tenants, offers and listings in the scratch database; returns what the driver needs."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import User
    from catalog.models import (
        Category,
        DealerAuthorisation,
        OfferAudience,
        OfferStatus,
        SupplyOffer,
        SupplyOfferSku,
    )
    from catalog.search import offer_search_refresh
    from catalog.seed import category_tree_seed
    from channels.models import Listing, ListingPrice, StorefrontSettings
    from suppliers.money import money_round
    from tenants import services
    from tenants.management.commands.demo_seed import credit_code
    from tenants.models import TenantApplication

    connection.set_schema_to_public()
    category_tree_seed()
    reviewer = User.objects.create_superuser("bench@platform.example", "bench-pass-123")

    def tenant(tenant_type: str, slug: str, name: str, number: int):
        application = TenantApplication.objects.create(
            type=tenant_type,
            company_name=name,
            credit_code=credit_code(region="110105", organisation=f"BF{number:06d}"),
            contact_name="Bench Owner",
            contact_email=f"owner@{slug}.example",
            contact_phone="13800000000",
            business_scope="Benchmark",
            subdomain=slug,
        )
        services.application_approve(application_id=application.pk, reviewer=reviewer)
        return services.tenant_provision(application_id=application.pk)

    suppliers = [
        tenant("supplier", f"bench-sup-{i}", f"Bench Supplier {i} 供应商{i}号", i)
        for i in range(SUPPLIERS)
    ]
    dealer = tenant("dealer", DEALER_SLUG, "Bench Shop 基准商城", 99)
    connection.set_schema_to_public()

    leaves = {c.code: c for c in Category.objects.filter(level=3)}
    kinds = [code for code in leaves if code in PRODUCT_KINDS] or list(leaves)
    now = timezone.now()
    offers, sku_rows = [], []
    for s_index, supplier in enumerate(suppliers):
        for p_index in range(PRODUCTS_SINGLE + PRODUCTS_DOUBLE):
            code = rng.choice(kinds)
            zh, en, brands, axis = PRODUCT_KINDS.get(
                code, (*GENERIC_NOUNS, ["Generic"], ["A", "B"])
            )
            brand = rng.choice(brands)
            series = rng.choice(["Pro", "Max", "Lite", "Air", "Plus", "", "Ultra"])
            name = f"{brand} {series} {rng.randint(1, 99)} {zh} {en}".replace("  ", " ")
            product_id = p_index + 1
            supply = money_round(Decimal(rng.randint(1000, 500_000)) / 100)
            n_skus = 1 if p_index < PRODUCTS_SINGLE else 2
            skus = []
            for k in range(n_skus):
                price = money_round(supply * Decimal(1 + 0.1 * k))
                available = 0 if rng.random() < 0.1 else rng.randint(1, 500)
                skus.append(
                    dict(
                        sku_id=product_id * 10 + k,
                        code=f"S{s_index}-{product_id}-{k}",
                        variant={"spec": axis[k % len(axis)]},
                        supply_price=price,
                        min_resale_price=money_round(price * Decimal("1.1")),
                        suggested_retail_price=money_round(price * Decimal("1.5")),
                        price_tiers=[
                            {
                                "min_quantity": 10,
                                "unit_price": str(money_round(price * Decimal("0.95"))),
                            },
                            {
                                "min_quantity": 50,
                                "unit_price": str(money_round(price * Decimal("0.9"))),
                            },
                        ],
                        available=available,
                        is_active=True,
                        position=k,
                    )
                )
            audience = OfferAudience.AUTHORISED if rng.random() < 0.2 else OfferAudience.ALL_DEALERS
            media = f"{supplier.base_url}/media/{supplier.schema_name}/products/{product_id}"
            offers.append(
                SupplyOffer(
                    supplier=supplier,
                    product_id=product_id,
                    category=leaves[code],
                    code=f"P{s_index}-{product_id:05d}",
                    name=name,
                    brand=brand,
                    unit="台",
                    moq=rng.choice([1, 1, 1, 5, 10]),
                    description=f"<p>{name}：品质保证，全国联保。Quality assured.</p>",
                    parameters=[
                        {
                            "code": "model",
                            "name_zh": "型号",
                            "name_en": "Model",
                            "value": f"M{product_id}",
                        },
                        {
                            "code": "warranty_months",
                            "name_zh": "保修",
                            "name_en": "Warranty",
                            "value": "12",
                        },
                    ],
                    images=[{"url": f"{media}/a.jpg", "thumb": f"{media}/a_thumb.jpg"}],
                    audience=audience,
                    status=OfferStatus.WITHDRAWN if rng.random() < 0.02 else OfferStatus.PUBLISHED,
                    available=sum(sku["available"] for sku in skus),
                    published_at=now,
                    updated_at=now,
                )
            )
            sku_rows.append(skus)
    SupplyOffer.objects.bulk_create(offers, batch_size=2000)
    SupplyOfferSku.objects.bulk_create(
        [
            SupplyOfferSku(offer_id=offer.pk, **sku)
            for offer, skus in zip(offers, sku_rows, strict=True)
            for sku in skus
        ],
        batch_size=5000,
    )
    for supplier in suppliers[:2]:
        DealerAuthorisation.objects.create(supplier=supplier, dealer=dealer)
    ids = [offer.pk for offer in offers]
    for start in range(0, len(ids), 2000):
        offer_search_refresh(ids[start : start + 2000])

    # The dealer lists 10,000 offers it may see at the suggested retail price.
    authorising = {supplier.pk for supplier in suppliers[:2]}
    visible = [
        (offer, skus)
        for offer, skus in zip(offers, sku_rows, strict=True)
        if offer.audience == OfferAudience.ALL_DEALERS or offer.supplier_id in authorising
    ]
    chosen = rng.sample(visible, LISTINGS)
    sku_pks = {
        (offer_id, sku_id): pk
        for offer_id, sku_id, pk in SupplyOfferSku.objects.filter(
            offer_id__in=[o.pk for o, _s in chosen]
        ).values_list("offer_id", "sku_id", "pk")
    }
    with tenant_context(dealer):
        listings = []
        for index, (offer, skus) in enumerate(chosen):
            prices = [sku["suggested_retail_price"] for sku in skus]
            listings.append(
                Listing(
                    offer_id=offer.pk,
                    price_min=min(prices),
                    price_max=max(prices),
                    is_featured=index < FEATURED,
                    listed_at=now - timezone.timedelta(minutes=index),
                )
            )
        Listing.objects.bulk_create(listings, batch_size=2000)
        ListingPrice.objects.bulk_create(
            [
                ListingPrice(
                    listing_id=listing.pk,
                    offer_sku_id=sku_pks[(offer.pk, sku["sku_id"])],
                    price=sku["suggested_retail_price"],
                )
                for listing, (offer, skus) in zip(listings, chosen, strict=True)
                for sku in skus
            ],
            batch_size=5000,
        )
        StorefrontSettings.objects.get_or_create(singleton=1)
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    listed_offers = [offer.pk for offer, _skus in chosen if offer.status == OfferStatus.PUBLISHED]
    return {
        "host": dealer.host,
        "offers": listed_offers,
        "categories": [c.code for c in Category.objects.all()],
        "brands": sorted({offer.brand for offer, _skus in chosen}),
        "skus": sum(len(s) for s in sku_rows),
        "offer_count": len(offers),
        "listing_count": len(listings),
    }


# --- load ---------------------------------------------------------------------------------------


def url_pool(kind: str, data: dict, rng: random.Random, size: int) -> list[str]:
    """Distinct URLs of a page kind, most popular first (see ``zipf_picker``)."""

    def list_url() -> str:
        code = rng.choice(data["categories"])
        options = [f"page={rng.choice([1, 1, 1, 2, 3])}"]
        if rng.random() < 0.3:
            options.append(f"sort={rng.choice(['price_asc', 'price_desc', 'newest'])}")
        if rng.random() < 0.2:
            options.append(f"brand={quote(rng.choice(data['brands']))}")
        if rng.random() < 0.2:
            options.append("in_stock=1")
        return f"/c/{code}/?" + "&".join(options)

    def search_url() -> str:
        options = [f"q={quote(rng.choice(SEARCHES))}"]
        if rng.random() < 0.3:
            options.append(f"page={rng.choice([2, 3])}")
        if rng.random() < 0.2:
            options.append(f"sort={rng.choice(['price_asc', 'newest'])}")
        if rng.random() < 0.15:
            options.append("in_stock=1&price_min=100&price_max=3000")
        return "/search/?" + "&".join(options)

    if kind == "product":
        offers = list(data["offers"])
        rng.shuffle(offers)
        return [f"/p/{offer_id}/" for offer_id in offers[:size]]
    make = list_url if kind == "list" else search_url
    pool: dict[str, None] = {}
    for _ in range(size * 20):
        pool[make()] = None
        if len(pool) >= size:
            break
    return list(pool)


def zipf_picker(pool: list[str], rng: random.Random, s: float):
    """Picks URLs with popularity 1/rank^s: a few pages are asked for often, most rarely."""
    import bisect
    import itertools

    weights = list(itertools.accumulate(1 / (rank**s) for rank in range(1, len(pool) + 1)))
    total = weights[-1]
    lock = threading.Lock()

    def pick() -> str:
        with lock:
            point = rng.random() * total
        return pool[bisect.bisect_left(weights, point)]

    return pick


def _request(conn, host: str, path: str) -> tuple[int, bool]:
    """(status, served from the storefront's page cache)."""
    conn.request("GET", path, headers={"Host": host, "Accept-Language": "zh-hans"})
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("X-Storefront-Cache") == "hit"


def drive(port: int, host: str, urls, seconds: float, clients: int) -> dict:
    """``clients`` threads requesting ``urls()`` for ``seconds``; latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    hits = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad, mine_hits = [], [], 0
        while time.perf_counter() < deadline:
            path = urls()
            t0 = time.perf_counter()
            try:
                status, hit = _request(conn, host, path)
            except (OSError, http.client.HTTPException) as error:
                bad.append(f"{path}: {error}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
            mine_hits += hit
            if status != 200:
                bad.append(f"{path}: HTTP {status}")
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)
            hits[0] += mine_hits

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "hits": hits[0]}


def cold_pass(port: int, host: str, paths: list[str], clients: int) -> dict:
    """Each distinct path once (empty cache), spread over ``clients`` threads."""
    queue = list(paths)
    lock = threading.Lock()

    def next_path():
        with lock:
            return queue.pop() if queue else None

    latencies, errors = [], []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (path := next_path()) is not None:
            t0 = time.perf_counter()
            status, _hit = _request(conn, host, path)
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors, "elapsed": time.perf_counter() - started}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(result: dict) -> dict:
    samples = result["latencies"]
    return {
        "n": len(samples),
        "rps": len(samples) / result["elapsed"] if result["elapsed"] else 0.0,
        "p50": statistics.median(samples) * 1000 if samples else float("nan"),
        "p95": percentile(samples, 95) * 1000,
        "p99": percentile(samples, 99) * 1000,
        "errors": len(result["errors"]),
        "hit_rate": 100 * result.get("hits", 0) / len(samples) if samples else 0.0,
    }


def serve(port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "platform_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=str(BASE_DIR),
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            if conn.getresponse().status in (200, 503):
                conn.close()
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def serve_stop(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description="Storefront pages under load.")
    parser.add_argument("--seconds", type=float, default=20.0, help="per page kind (default 20)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--cold", type=int, default=100, help="distinct URLs per kind, cold pass")
    parser.add_argument(
        "--zipf", type=float, default=0.8, help="popularity skew of the URLs under load (1/rank^s)"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--set-per-statement",
        action="store_true",
        help="serve with TENANT_LIMIT_SET_CALLS = False (a SET search_path before every "
        "statement, django-tenants' default), to measure what the setting brings",
    )
    args = parser.parse_args()

    production_refuse(parser)
    with scratch_database(
        "sf", keep=args.keep, media=True, env={"TENANT_POOL_SIZE": "0"}
    ) as scratch:
        return run(args, scratch)


def run(args, scratch) -> int:
    """Seed, serve, drive each page kind, report; the scratch world is ``scratch``."""
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"machine: {machine()}")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            print(f"postgres: {cursor.fetchone()[0]}")
        print(f"scratch database: {scratch.name} (dropped at the end)")
        started = time.perf_counter()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        call_command("platform_bootstrap", pool=0, verbosity=0)
        rng = random.Random(args.seed)
        data = seed(rng)
        print(
            f"seed: {SUPPLIERS} suppliers, {data['offer_count']:,} offers with {data['skus']:,} "
            f"SKUs, one dealer listing {data['listing_count']:,} "
            f"in {time.perf_counter() - started:.1f} s"
        )

        # PostgreSQL baseline, same server, same run.
        select_one = []
        with connection.cursor() as cursor:
            for _ in range(500):
                t0 = time.perf_counter()
                cursor.execute("SELECT 1")
                cursor.fetchone()
                select_one.append(time.perf_counter() - t0)
        print(
            f"baseline: SELECT 1 round trip {median_ms(select_one)}, pgbench select-only "
            f"1 client {pgbench_tps(database_params(scratch.url), args.pgbench_seconds)}"
        )
        connection.close()

        env = {**os.environ, "DEBUG": "0", "PYTHONUNBUFFERED": "1"}
        if args.set_per_statement:
            # A settings module of the run's own: the project's, plus the one setting.
            (Path(scratch.media) / "bench_settings.py").write_text(
                "from platform_site.settings import *  # noqa: F403\n"
                "TENANT_LIMIT_SET_CALLS = False\n"
            )
            env.update(DJANGO_SETTINGS_MODULE="bench_settings", PYTHONPATH=scratch.media)
        server = serve(args.port, env, args.workers, args.threads)
        print(
            f"serving: gunicorn {args.workers} workers x {args.threads} threads on port "
            f"{args.port}; {args.clients} clients, {args.seconds:.0f} s per page kind; "
            f"TENANT_LIMIT_SET_CALLS={not args.set_per_statement}"
        )
        host = data["host"]
        results = {}
        for kind in ("list", "search", "product"):
            pool = url_pool(kind, data, random.Random(args.seed + 1), POOL_SIZES[kind])
            # Cold: distinct URLs from the unpopular end, never requested before.
            cold = summary(cold_pass(args.port, host, pool[-args.cold :], args.clients))
            pick = zipf_picker(pool, random.Random(args.seed + 2), args.zipf)
            loaded = drive(args.port, host, pick, args.seconds, args.clients)
            results[kind] = (cold, summary(loaded), loaded["errors"][:3])

        print()
        print(
            f"{'page':8} {'phase':6} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'cached':>7} {'errors':>7}"
        )
        for kind, (cold, loaded, sample_errors) in results.items():
            for phase, row in (("cold", cold), ("load", loaded)):
                print(
                    f"{kind:8} {phase:6} {row['n']:>9,} {row['rps']:>8.1f} {row['p50']:>8.1f} "
                    f"{row['p95']:>8.1f} {row['p99']:>8.1f} {row['hit_rate']:>6.0f}% "
                    f"{row['errors']:>7}"
                )
            for error in sample_errors:
                print(f"  error: {error}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print()
        for kind, (_cold, loaded, _errors) in results.items():
            print(f"storefront_{kind}_rps={loaded['rps']:.1f} req/s")
            print(f"storefront_{kind}_p95_ms={loaded['p95']:.1f} ms")
        print(f"storefront_search_p95_ms={results['search'][1]['p95']:.1f} ms")
        return 0
    finally:
        serve_stop(server)


if __name__ == "__main__":
    sys.exit(main())
