#!/usr/bin/env python
"""Checkout benchmark: full buyer checkouts across two suppliers, 16 clients at once.

    .venv/bin/python bench/checkout.py [--seconds 20] [--clients 16] [--port 8107]

On the same PostgreSQL server the platform uses (embedded under var/, or DATABASE_URL's), it
creates a scratch database ``bench_co_<pid>``, migrates it and seeds, through the real
services: three suppliers with 20 products × 2 SKUs each (two warehouses per supplier), all
published and listed by one dealer; a shipping method; one buyer per client, each with a
company and a default address; and, with set-based SQL, copies of those offers until the supply
catalogue holds ``--catalogue`` published offers (20,000 by default), so that the visibility
rule works at a real platform's scale.

It serves the platform with gunicorn (DEBUG off) and drives, with ``--clients`` keep-alive
clients (threads, http.client, Host ``<dealer>.localhost``), each signed in as its own buyer,
full checkouts of a SKU of one supplier and a SKU of another (the order is split per supplier,
stock reserved in both suppliers' schemas, routes written), in two ways:

* ``page``, the browser's way: two cart adds (POSTs), the checkout page, and its form submitted
  with the page's idempotency key — four requests per order;
* ``api``, the buyer API's way (docs/buyer-api.md): both lines into the cart in one POST, then
  POST /api/v1/orders/ with a fresh ``Idempotency-Key`` — two requests per order.

Each way runs twice:

* ``spread``: random SKUs of the whole catalogue, plenty of stock;
* ``hot``: every order hits the same 10 SKUs, with only ``--hot-stock`` units each, so they sell
  out during the run and later checkouts are refused per line (counted, not errors).

Afterwards it checks, for every SKU, that units sold (the supplier order lines) equal the units
reserved and that sold + available = the initial stock, and that the dealer's and the
suppliers' lines agree. It runs ``pgbench`` (TPC-B-like, 8 clients) against the same server in
the same run for the baseline. The LAST line is ``checkout_orders_per_s=<value> orders/s``
(the api spread run; the page flow's figure is printed above it). Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.provision import (  # noqa: E402 - after the path insert
    admin_execute,
    database_params,
    machine,
    production_refuse,
    scratch_database,
)
from bench.storefront import percentile, serve, serve_stop  # noqa: E402

SUPPLIERS = 3
PRODUCTS = 20
DEALER_SLUG = "bench-co"
PASSWORD = "bench-buyer-pass-1"
SPREAD_STOCK = 1_000_000
HOT_SKUS = 10


def seed(clients: int) -> dict:
    """Tenants, products, listings, buyers; returns what the driver needs."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from accounts.models import Role, User
    from buyers.models import Address, Buyer, BuyerCompany
    from catalog.models import SupplyOfferSku
    from catalog.seed import category_tree_seed
    from orders.models import ShippingMethod
    from platform_site.demo_catalogue import dealer_listings_seed, supplier_catalogue_seed
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
            credit_code=credit_code(region="110105", organisation=f"BC{number:06d}"),
            contact_name="Bench Owner",
            contact_email=f"owner@{slug}.example",
            contact_phone="13800000000",
            business_scope="Benchmark",
            subdomain=slug,
        )
        services.application_approve(application_id=application.pk, reviewer=reviewer)
        return services.tenant_provision(application_id=application.pk)

    suppliers = []
    for i in range(SUPPLIERS):
        supplier = tenant("supplier", f"bench-co-sup-{i}", f"Bench Supplier {i} 供应商{i}号", i)
        spec = {
            "warehouses": [
                (f"W{i}A", f"仓 {i}A", "上海", "上海"),
                (f"W{i}B", f"仓 {i}B", "广东", "深圳"),
            ],
            "products": [
                (
                    f"BC{i}-P{p:03d}",
                    f"基准商品 {i}-{p} Bench product",
                    "smartphones",
                    "Bench",
                    "台",
                    1,
                    {
                        "warranty_months": "12",
                        "screen_size": "6.5",
                        "cpu": "Bench 8",
                        "battery": "5000",
                        "network": "5G",
                        "os": "Android",
                    },
                    [
                        (
                            f"BC{i}-P{p:03d}-{k}",
                            {"color": f"色{k}", "storage": f"{128 * (k + 1)}GB"},
                            "100",
                            "150",
                            "120",
                            [(10, "95")],
                            (SPREAD_STOCK, 0),
                        )
                        for k in range(2)
                    ],
                )
                for p in range(PRODUCTS)
            ],
        }
        supplier_catalogue_seed(supplier, spec)
        suppliers.append(supplier)
    dealer = tenant("dealer", DEALER_SLUG, "Bench Checkout Shop 基准下单商城", 99)
    connection.set_schema_to_public()
    dealer_listings_seed(dealer)
    skus: dict[int, list[int]] = {}
    for sku in SupplyOfferSku.objects.select_related("offer").order_by("pk"):
        skus.setdefault(sku.offer.supplier_id, []).append(sku.pk)
    buyers = []
    with tenant_context(dealer):
        ShippingMethod.objects.create(name="标准快递", base_fee=Decimal("10.00"))
        for n in range(clients):
            company = BuyerCompany.objects.create(name=f"Bench Buyer {n} 采购{n}号")
            user = User.objects.create_user(
                email=f"buyer{n}@bench.example", password=PASSWORD, role=Role.BUYER
            )
            Buyer.objects.create(user=user, company=company, email_verified_at=timezone.now())
            address = Address.objects.create(
                company=company,
                recipient=f"采购员{n}",
                phone="13800000000",
                province="上海市",
                city="上海市",
                street=f"测试路 {n} 号",
                is_default=True,
            )
            buyers.append({"email": user.email, "address": address.pk})
        shipping = ShippingMethod.objects.get().pk
    connection.set_schema_to_public()
    return {
        "host": f"{DEALER_SLUG}.localhost",
        "suppliers": suppliers,
        "dealer": dealer,
        "skus": skus,
        "buyers": buyers,
        "shipping": shipping,
    }


def catalogue_grow(extra: int) -> int:
    """``extra`` more published offers in the supply catalogue (copies of the seeded ones,
    each under a product id of its own), so that the visibility rule and every catalogue
    query see a catalogue of a real platform's size, not 60 offers. Not listed by the
    dealer: the checkouts do not buy them. Set-based SQL; returns the catalogue's size."""
    from django.db import connection

    from catalog.models import SupplyOffer

    if extra <= 0:
        return SupplyOffer.objects.count()
    columns = [field.column for field in SupplyOffer._meta.concrete_fields if not field.primary_key]
    chosen = {
        "product_id": "o.product_id + 1000000 * g",
        "code": "o.code || '-X' || g",
    }
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_supplyoffer")
        seeded = cursor.fetchone()[0]
        copies = -(-extra // seeded)  # ceiling
        cursor.execute(
            f"""
            INSERT INTO catalog_supplyoffer ({", ".join(f'"{c}"' for c in columns)})
            SELECT {", ".join(chosen.get(c, f'o."{c}"') for c in columns)}
            FROM catalog_supplyoffer o, generate_series(1, %s) g
            """,
            [copies],
        )
        cursor.execute("ANALYZE catalog_supplyoffer")
    return SupplyOffer.objects.count()


def stock_snapshot(data: dict) -> dict:
    """{(supplier id, sku id): (on_hand, reserved, sold)} straight from the suppliers' schemas."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    snapshot = {}
    for supplier in data["suppliers"]:
        with tenant_context(supplier), connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT s.sku_id, SUM(s.on_hand), SUM(s.reserved),
                       COALESCE((SELECT SUM(l.quantity) FROM fulfilment_supplierorderline l
                                 JOIN fulfilment_supplierorder o ON o.id = l.order_id
                                 WHERE l.sku_id = s.sku_id AND o.status <> 'cancelled'), 0)
                FROM supplychain_stocklevel s GROUP BY s.sku_id
                """
            )
            for sku_id, on_hand, reserved, sold in cursor.fetchall():
                snapshot[(supplier.pk, sku_id)] = (int(on_hand), int(reserved), int(sold))
    connection.set_schema_to_public()
    return snapshot


def hot_stock_set(data: dict, hot: list[int], units: int) -> None:
    """The hot SKUs: ``units`` on hand in the first warehouse, none in the other."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from catalog.models import SupplyOfferSku
    from supplychain.models import StockLevel

    by_supplier: dict[int, list[int]] = {}
    for offer_sku in SupplyOfferSku.objects.filter(pk__in=hot).select_related("offer"):
        by_supplier.setdefault(offer_sku.offer.supplier_id, []).append(offer_sku.sku_id)
    for supplier in data["suppliers"]:
        sku_ids = by_supplier.get(supplier.pk, [])
        with tenant_context(supplier):
            for sku_id in sku_ids:
                rows = list(StockLevel.objects.filter(sku_id=sku_id).order_by("pk"))
                for n, row in enumerate(rows):
                    StockLevel.objects.filter(pk=row.pk).update(
                        on_hand=row.reserved + (units if n == 0 else 0)
                    )
    connection.set_schema_to_public()


class Client:
    """One buyer's keep-alive session with the storefront."""

    def __init__(self, port: int, host: str):
        self.port, self.host = port, host
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict | None = None, *, json_body=None, headers=None
    ):
        headers = {"Host": self.host, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None or json_body is not None:
            if json_body is not None:
                body = json.dumps(json_body)
                headers["Content-Type"] = "application/json"
            else:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://{self.host}{path}"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        content = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), content

    def login(self, email: str, login_path: str) -> None:
        self.request("GET", login_path)
        status, _location, _ = self.request(
            "POST", login_path, {"username": email, "password": PASSWORD}
        )
        if status != 302:
            raise RuntimeError(f"sign-in of {email} failed: HTTP {status}")


def _page_checkout(client: Client, paths: dict, buyer: dict, data: dict, rng, pair):
    """The browser's way: two cart adds, the checkout page, placing the order (4 requests).
    Returns True (placed), False (refused: a line short of stock)."""
    for sku in pair:
        status, _, _body = client.request(
            "POST", paths["cart_add"], {"offer_sku_id": sku, "quantity": rng.randint(1, 3)}
        )
        if status not in (200, 302):
            raise RuntimeError(f"cart add: HTTP {status}")
    # The checkout page, as the buyer sees it before placing the order: it carries the
    # idempotency key and the token of the cart it shows.
    status, _, page = client.request("GET", paths["checkout"])
    if status != 200:
        raise RuntimeError(f"checkout page: HTTP {status}")
    html = page.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    token = re.search(r'name="cart_token" value="([^"]*)"', html)
    status, location, _body = client.request(
        "POST",
        paths["checkout"],
        {
            "address": buyer["address"],
            "shipping_method": data["shipping"],
            "payment_method": "bank_transfer",
            "invoice_type": "none",
            "note": "",
            "idempotency_key": key.group(1) if key else uuid.uuid4().hex,
            "cart_token": token.group(1) if token else "",
        },
    )
    if status == 302 and paths["order_prefix"] in location:
        return True
    if status in (200, 400, 409):
        client.request("POST", paths["cart_clear"], {})
        return False
    raise RuntimeError(f"checkout: HTTP {status} {location}")


def _api_checkout(client: Client, paths: dict, buyer: dict, data: dict, rng, pair):
    """The buyer API's way (docs/buyer-api.md): both lines into the cart in one request, then
    the order from the cart with a fresh Idempotency-Key (2 requests)."""
    status, _, body = client.request(
        "POST",
        paths["api_cart_lines"],
        json_body={"items": [{"offer_sku_id": sku, "quantity": rng.randint(1, 3)} for sku in pair]},
    )
    if status != 200:
        raise RuntimeError(f"cart lines: HTTP {status} {body[:200]!r}")
    status, _, body = client.request(
        "POST",
        paths["api_orders"],
        json_body={
            "address": buyer["address"],
            "shipping_method": data["shipping"],
            "payment_method": "bank_transfer",
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    if status == 201:
        return True
    if status in (400, 409):
        client.request("DELETE", paths["api_cart"], json_body={})
        return False
    raise RuntimeError(f"order: HTTP {status} {body[:200]!r}")


def _cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) used so far by the gunicorn processes, the PostgreSQL server
    processes (all on this machine) and this driver, read from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"gunicorn": 0.0, "postgres": 0.0, "driver": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # utime + stime, plus cutime + cstime: the time of children that have exited (a
        # PostgreSQL backend whose connection closed, a restarted worker) moves to the parent.
        used = sum(int(value) for value in fields[11:15]) / tick
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if int(entry.name) == os.getpid():
            totals["driver"] += sum(int(value) for value in fields[11:13]) / tick
        elif b"gunicorn" in cmdline:
            totals["gunicorn"] += used
        elif comm.startswith("postgres"):
            totals["postgres"] += used
    return totals


FLOWS = {"page": _page_checkout, "api": _api_checkout}
REQUESTS = {"page": 4, "api": 2}


def _run_clients(port: int, data: dict, paths: dict, clients: int, seconds: float, prepare, step):
    """``clients`` threads, each signed in as its own buyer: ``prepare(client, index)`` once,
    then ``step(client, index, rng)`` in a loop for ``seconds``, all starting together.
    Returns the seconds it took and the CPU seconds used meanwhile (``_cpu_seconds``)."""
    state = {"deadline": 0.0}
    ready, go = threading.Barrier(clients + 1), threading.Barrier(clients + 1)

    def work(index: int):
        rng = random.Random(index)
        client = Client(port, data["host"])
        try:
            client.login(data["buyers"][index]["email"], paths["login"])
            prepare(client, index)
        finally:
            ready.wait()
        go.wait()
        while time.perf_counter() < state["deadline"]:
            step(client, index, rng)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    state["deadline"] = started + seconds
    go.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds()
    return elapsed, {name: cpu_after[name] - cpu_before[name] for name in cpu_before}


def drive(
    port: int, data: dict, paths: dict, pick, seconds: float, clients: int, flow: str
) -> dict:
    """Each client checks out in a loop for ``seconds``; returns latencies and counts."""
    lock = threading.Lock()
    result = {"orders": 0, "refused": 0, "errors": [], "order_latency": []}
    checkout = FLOWS[flow]

    def step(client: Client, index: int, rng):
        pair = pick(rng)
        started = time.perf_counter()
        try:
            placed = checkout(client, paths, data["buyers"][index], data, rng, pair)
            done = time.perf_counter()
            with lock:
                if placed:
                    result["orders"] += 1
                    result["order_latency"].append(done - started)
                else:
                    result["refused"] += 1
        except Exception as error:  # noqa: BLE001 - counted and shown
            with lock:
                result["errors"].append(repr(error)[:200])
            client.request("POST", paths["cart_clear"], {})

    result["elapsed"], result["cpu"] = _run_clients(
        port, data, paths, clients, seconds, lambda client, index: None, step
    )
    return result


def floor(port: int, data: dict, paths: dict, seconds: float, clients: int) -> dict:
    """The cheapest signed-in request a checkout is made of: the buyer API's GET of an empty
    cart (tenant lookup, session, user and buyer, one cart read, a JSON answer), as fast as
    the clients can ask. No checkout of two requests can be faster than half this rate."""
    lock = threading.Lock()
    result = {"requests": 0}

    def empty_cart(client: Client, index: int):
        client.request("DELETE", paths["api_cart"], json_body={})

    def step(client: Client, index: int, rng):
        status, _, _body = client.request("GET", paths["api_cart"])
        if status != 200:
            raise RuntimeError(f"cart: HTTP {status}")
        with lock:
            result["requests"] += 1

    elapsed, cpu = _run_clients(port, data, paths, clients, seconds, empty_cart, step)
    result["per_s"] = result["requests"] / elapsed
    result["cpu_ms"] = {
        name: used * 1000 / max(result["requests"], 1) for name, used in cpu.items()
    }
    return result


def pgbench_tpcb(params: dict, seconds: int, clients: int = 8) -> str:
    """pgbench TPC-B-like in a database of its own on the same server."""
    name = f"bench_pgb_{os.getpid()}"
    env = {**os.environ}
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    base = ["-h", params["host"], "-p", str(params["port"]), "-U", params["user"]]
    binary = "pgbench"
    embedded = BASE_DIR / ".venv/lib/python3.11/site-packages/pgserver/pginstall/bin/pgbench"
    if embedded.exists():
        binary = str(embedded)
    admin = params["admin_url"]
    admin_execute(admin, f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [binary, *base, "-i", "-s", "8", "-q", name],
            env=env,
            check=True,
            capture_output=True,
        )
        run = subprocess.run(
            [binary, *base, "-c", str(clients), "-j", "2", "-T", str(seconds), name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        tps = re.search(r"tps = ([0-9.]+)", run.stdout)
        latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
        return (
            f"{float(tps.group(1)):.0f} tps (TPC-B-like, scale 8, {clients} clients, "
            f"latency avg {latency.group(1)} ms)"
        )
    except (subprocess.CalledProcessError, AttributeError) as error:
        return f"unavailable ({error})"
    finally:
        admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def summary(result: dict) -> dict:
    samples = result["order_latency"]
    orders = max(result["orders"] + result["refused"], 1)
    return {
        "cpu_ms": {name: used * 1000 / orders for name, used in result["cpu"].items()},
        "orders": result["orders"],
        "refused": result["refused"],
        "errors": len(result["errors"]),
        "per_s": result["orders"] / result["elapsed"] if result["elapsed"] else 0.0,
        "p50": statistics.median(samples) * 1000 if samples else float("nan"),
        "p95": percentile(samples, 95) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="Full checkouts under load.")
    parser.add_argument("--seconds", type=float, default=20.0, help="per run (default 20)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--hot-stock", type=int, default=150, help="units per hot SKU")
    parser.add_argument(
        "--catalogue",
        type=int,
        default=20_000,
        help="published offers in the supply catalogue (default 20,000; the dealer sells 60)",
    )
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--set-per-statement",
        action="store_true",
        help="serve with TENANT_LIMIT_SET_CALLS = False (a SET search_path before every "
        "statement, django-tenants' default), to measure what the setting brings",
    )
    args = parser.parse_args()

    production_refuse(parser)
    with scratch_database(
        "co",
        keep=args.keep,
        media=True,
        env={
            "TENANT_POOL_SIZE": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
    ) as scratch:
        return run(args, scratch)


def run(args, scratch) -> int:
    """Seed, serve, drive both flows, check the stock, report; the scratch world is ``scratch``."""
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.urls import reverse

        print(f"machine: {machine()}")
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            print(f"postgres: {cursor.fetchone()[0]}")
        started = time.perf_counter()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        call_command("platform_bootstrap", pool=0, verbosity=0)
        data = seed(args.clients)
        print(
            f"seed: {SUPPLIERS} suppliers × {PRODUCTS * 2} SKUs, one dealer listing them all, "
            f"{args.clients} buyers, in {time.perf_counter() - started:.1f} s"
        )
        size = catalogue_grow(args.catalogue - SUPPLIERS * PRODUCTS)
        print(f"supply catalogue: {size:,} published offers ({SUPPLIERS * PRODUCTS} of them sold)")
        initial = stock_snapshot(data)
        params = database_params(scratch.url)
        params["admin_url"] = scratch.server_url
        print(f"baseline: pgbench {pgbench_tpcb(params, args.pgbench_seconds)}")
        connection.close()

        urlconf = "platform_site.urls_dealer"
        paths = {
            "login": reverse("accounts:login", urlconf=urlconf),
            "cart_add": reverse("shop:cart-add", urlconf=urlconf),
            "cart_clear": reverse("shop:cart-clear", urlconf=urlconf),
            "checkout": reverse("shop:checkout", urlconf=urlconf),
            "order_prefix": reverse("shop:order-list", urlconf=urlconf),
            "api_cart": reverse("orders-api:cart", urlconf=urlconf),
            "api_cart_lines": reverse("orders-api:cart-lines", urlconf=urlconf),
            "api_orders": reverse("orders-api:order-list", urlconf=urlconf),
        }
        # Refused checkouts (sold out) are logged as warnings: expected here, not shown.
        env = {**os.environ, "DEBUG": "0", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "ERROR"}
        if args.set_per_statement:
            (Path(scratch.media) / "bench_settings.py").write_text(
                "from platform_site.settings import *  # noqa: F403\n"
                "TENANT_LIMIT_SET_CALLS = False\n"
            )
            env.update(DJANGO_SETTINGS_MODULE="bench_settings", PYTHONPATH=scratch.media)
        server = serve(args.port, env, args.workers, args.threads)
        print(
            f"serving: gunicorn {args.workers} workers x {args.threads} threads on port "
            f"{args.port}; {args.clients} clients, {args.seconds:.0f} s per run; "
            "flows: page = 4 requests per order (2 cart adds, the checkout page, placing the "
            "order), api = 2 (both lines into the cart, placing the order); "
            f"TENANT_LIMIT_SET_CALLS={not args.set_per_statement}"
        )
        by_supplier = list(data["skus"].values())

        def spread(rng):
            first, second = rng.sample(by_supplier, 2)
            return rng.choice(first), rng.choice(second)

        rng = random.Random(11)
        hot = [sku for skus in by_supplier for sku in rng.sample(skus, 4)][:HOT_SKUS]
        hot_pairs = [(a, b) for a in hot for b in hot if a != b]

        def hot_pick(rng):
            return rng.choice(hot_pairs)

        # Warm-up, not counted: every worker imports, connects and fills its caches.
        for flow in ("page", "api"):
            drive(args.port, data, paths, spread, min(5.0, args.seconds / 4), args.clients, flow)
        results = {}
        for flow in ("page", "api"):
            results[f"{flow} spread"] = drive(
                args.port, data, paths, spread, args.seconds, args.clients, flow
            )
        for flow in ("page", "api"):
            # Each hot run starts with the same few units of the 10 SKUs.
            hot_stock_set(data, hot, args.hot_stock)
            initial_hot = stock_snapshot(data)
            results[f"{flow} hot"] = drive(
                args.port, data, paths, hot_pick, args.seconds, args.clients, flow
            )
            hot_sold = {
                k: v
                for k, v in stock_snapshot(data).items()
                if v[0] == initial_hot[k][0] and v[0] < SPREAD_STOCK
            }
            results[f"{flow} hot"]["sold_out"] = sum(1 for v in hot_sold.values() if v[1] == v[0])

        bare = floor(args.port, data, paths, min(10.0, args.seconds), args.clients)

        final = stock_snapshot(data)
        problems = []
        for key, (on_hand, reserved, sold) in final.items():
            start_on_hand = initial_hot.get(key, initial.get(key))[0]
            if on_hand != start_on_hand:
                problems.append(f"{key}: on hand moved {start_on_hand} → {on_hand}")
            if sold != reserved:
                problems.append(f"{key}: sold {sold} but reserved {reserved}")
            if reserved > on_hand:
                problems.append(f"{key}: oversold ({reserved} > {on_hand})")
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT COALESCE(SUM(quantity), 0) FROM "{data["dealer"].schema_name}".orders_orderline l '
                f'JOIN "{data["dealer"].schema_name}".orders_order o ON o.id = l.order_id '
                "WHERE o.status <> 'cancelled'"
            )
            dealer_units = cursor.fetchone()[0]
        supplier_units = sum(sold for _on, _res, sold in final.values())
        if dealer_units != supplier_units:
            problems.append(f"dealer lines {dealer_units} units, supplier lines {supplier_units}")

        print()
        print(
            f"{'run':11} {'req/order':>9} {'orders':>7} {'orders/s':>9} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'refused':>8} {'sold out':>8} {'errors':>7}   CPU ms per checkout "
            "(gunicorn / PostgreSQL / driver)"
        )
        for name, result in results.items():
            row = summary(result)
            print(
                f"{name:11} {REQUESTS[name.split()[0]]:>9} {row['orders']:>7,} "
                f"{row['per_s']:>9.1f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                f"{row['refused']:>8,} {result.get('sold_out', '-'):>8} {row['errors']:>7}   "
                + " / ".join(f"{row['cpu_ms'][k]:.1f}" for k in ("gunicorn", "postgres", "driver"))
            )
            for error in result["errors"][:3]:
                print(f"  error: {error}")
        print(
            f"floor: a signed-in GET of an empty cart through the API, {bare['per_s']:.0f} "
            "requests/s, CPU ms per request "
            + " / ".join(f"{bare['cpu_ms'][k]:.1f}" for k in ("gunicorn", "postgres", "driver"))
            + f" (gunicorn / PostgreSQL / driver): no two-request checkout beats "
            f"{bare['per_s'] / 2:.0f} orders/s here"
        )
        print(f"hot runs: the same {HOT_SKUS} SKUs with {args.hot_stock} units each per run")
        print(
            f"stock check over {len(final)} SKUs: "
            + (
                "sold + available = initial stock for every SKU, zero oversell"
                if not problems
                else f"{len(problems)} PROBLEMS: {problems[:5]}"
            )
        )
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print()
        page, api, hot = (summary(results[n]) for n in ("page spread", "api spread", "api hot"))
        print(f"checkout_page_orders_per_s={page['per_s']:.1f} orders/s")
        print(f"checkout_page_p95_ms={page['p95']:.1f} ms")
        print(f"checkout_hot_orders_per_s={hot['per_s']:.1f} orders/s")
        print(f"checkout_p95_ms={api['p95']:.1f} ms")
        print(f"checkout_oversold_skus={sum(1 for p in problems if 'oversold' in p)} SKUs")
        print(f"checkout_orders_per_s={api['per_s']:.1f} orders/s")
        return 1 if problems else 0
    finally:
        serve_stop(server)


if __name__ == "__main__":
    sys.exit(main())
