#!/usr/bin/env python
"""Provisioning benchmark: seconds per new tenant, three ways, in a scratch database.

    .venv/bin/python bench/provision.py [--n 20]        (or: make bench BENCH_ARGS="--n 50")

On the same PostgreSQL server the platform uses (embedded under var/, or DATABASE_URL's), it
creates a scratch database ``bench_pv_<pid>``, migrates it, bootstraps templates, and times per
tenant (medians over ``--n`` tenants, alternating supplier and dealer):

* ``create_and_migrate``: CREATE SCHEMA + ``migrate_schemas`` for the tenant (what
  django-tenants does without a template);
* ``clone``: the full ``tenant_provision`` (approved application → live tenant with domain and
  owner account) with the warm pool empty, so each schema is cloned from the type's template;
* ``provision``: the same full ``tenant_provision`` from the warm pool, refilled between
  provisions the way the refill task does, outside the timing.

``--extra-migrations K`` adds a throw-away app with K migrations to both tenant types (in the
scratch database only), to show which way grows with the migration history: only the first.

It also measures a PostgreSQL baseline (pgbench select-only, SELECT 1 and CREATE/DROP SCHEMA
round trips) so figures from different machines can be compared. The scratch database, its
queue and cache keys are dropped at the end; the demo database is never touched. The LAST
line is ``provision_median_s=<value> s``. Results are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def database_params(url: str) -> dict:
    """psycopg2/libpq connection parameters of a postgresql:// URL (host may be a socket dir)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return {
        "dbname": parts.path.lstrip("/"),
        "user": parts.username or "postgres",
        "password": parts.password or "",
        "host": query.get("host") or parts.hostname or "",
        "port": query.get("port") or parts.port or 5432,
    }


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_execute(url: str, sql: str) -> None:
    import psycopg2

    params = database_params(url)
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, TypeError):
        memory = "?"
    return f"{os.cpu_count()} CPUs ({cpu}), {memory} RAM, Python {platform.python_version()}"


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.3f} ms"


def pgbench_tps(params: dict, seconds: int) -> str:
    """Select-only pgbench TPS with one client, or why it could not run."""
    candidates = []
    if not os.environ.get("DATABASE_URL"):
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench")
    if shutil.which("pgbench"):
        candidates.append(Path(shutil.which("pgbench")))
    binary = next((path for path in candidates if path.exists()), None)
    if binary is None:
        return "pgbench not available"
    args = ["-h", str(params["host"]), "-p", str(params["port"]), "-U", params["user"]]
    env = {**os.environ, "PGPASSWORD": params["password"]}
    init = subprocess.run(
        [str(binary), *args, "-i", "-s", "1", "-q", params["dbname"]],
        env=env,
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        return f"pgbench -i failed: {init.stderr.strip()[-200:]}"
    run = subprocess.run(
        [
            str(binary),
            *args,
            "-S",
            "-n",
            "-c",
            "1",
            "-j",
            "1",
            "-T",
            str(seconds),
            params["dbname"],
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    found = re.search(r"tps = ([\d.]+)", run.stdout)
    return f"{float(found[1]):.0f} tps" if found else f"pgbench failed: {run.stderr.strip()[-200:]}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Seconds per new tenant, three ways.")
    parser.add_argument("--n", type=int, default=20, help="tenants per way (default 20)")
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--extra-migrations",
        type=int,
        default=0,
        metavar="K",
        help="add a throw-away app with K migrations to both tenant types, to see which way "
        "grows with the migration history",
    )
    args = parser.parse_args()
    production_refuse(parser)
    with scratch_database("pv", keep=args.keep) as scratch:
        synthetic = None
        try:
            if args.extra_migrations:
                synthetic = synthetic_app_install(args.extra_migrations)
            return run_benchmark(args, scratch.url)
        finally:
            if synthetic is not None:
                shutil.rmtree(synthetic, ignore_errors=True)


SYNTHETIC_APP = "bench_synthetic"


def synthetic_app_install(count: int) -> Path:
    """A throw-away app whose ``count`` migrations build up one table column by column.

    It joins both tenant types before Django starts: Django imports the settings module it
    finds in ``sys.modules``, so appending to its lists here is what the process sees.
    """
    root = Path(tempfile.mkdtemp(prefix="bench-app-"))
    migrations = root / SYNTHETIC_APP / "migrations"
    migrations.mkdir(parents=True)
    (root / SYNTHETIC_APP / "__init__.py").write_text("")
    (migrations / "__init__.py").write_text("")
    header = (
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
    )
    (migrations / "0001_initial.py").write_text(
        header
        + "    initial = True\n    dependencies = []\n    operations = [migrations.CreateModel("
        + "'Thing', fields=[('id', models.BigAutoField(primary_key=True))])]\n"
    )
    for number in range(2, count + 1):
        (migrations / f"{number:04d}_step.py").write_text(
            header
            + f"    dependencies = [('{SYNTHETIC_APP}', '{number - 1:04d}_"
            + ("initial" if number == 2 else "step")
            + f"')]\n    operations = [migrations.AddField('thing', 'f{number}', "
            + "models.IntegerField(default=0))]\n"
        )
    sys.path.insert(0, str(root))
    import platform_site.settings as project_settings

    project_settings.INSTALLED_APPS.append(SYNTHETIC_APP)
    for tenant_type in ("supplier", "dealer"):
        project_settings.TENANT_TYPES[tenant_type]["APPS"].append(SYNTHETIC_APP)
    return root


def _redis_forget(tag: str) -> None:
    """Delete the benchmark's queue (the provision and refill messages nobody consumes)."""
    import redis
    from django.conf import settings

    url = settings.REDIS_URL
    connection = (
        redis.Redis(unix_socket_path=url.removeprefix("unix://"))
        if url.startswith("unix://")
        else redis.Redis.from_url(url)
    )
    keys = list(connection.scan_iter(match=f"*{tag}*", count=1000))
    if keys:
        connection.delete(*keys)


@dataclass(frozen=True)
class Scratch:
    name: str  # the scratch database
    url: str  # DATABASE_URL of the scratch database
    server_url: str  # the server's own URL (its default database), for pgbench and admin SQL
    tag: str  # the Celery queue and cache key prefix of the run
    media: str | None  # MEDIA_ROOT of the run, when asked for


@contextmanager
def scratch_database(prefix: str, *, keep: bool = False, media: bool = False, env=None):
    """The world a benchmark runs in, on the platform's own PostgreSQL server (embedded under
    var/, or DATABASE_URL's) and Redis: a scratch database ``bench_<prefix>_<pid>``, a Celery
    queue and cache prefix of its own, optionally a media folder; set in ``os.environ`` (plus
    ``env``) for Django to read at setup. All of it is removed afterwards, the database
    kept with ``keep``. The demo database is never touched."""
    from platform_site import embedded

    server_url = os.environ.get("DATABASE_URL") or embedded.database_url()
    redis_url = os.environ.get("REDIS_URL") or embedded.redis_url()
    name = f"bench_{prefix}_{os.getpid()}"
    tag = f"bench-{prefix}-{os.getpid()}"
    media_root = tempfile.mkdtemp(prefix=f"{tag}-media-") if media else None
    scratch = Scratch(name, with_database(server_url, name), server_url, tag, media_root)
    admin_execute(server_url, f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=scratch.url,
        REDIS_URL=redis_url,
        CELERY_QUEUE=tag,
        CACHE_KEY_PREFIX=tag,
        LOG_LEVEL="WARNING",
        **({"MEDIA_ROOT": media_root} if media_root else {}),
        **(env or {}),
    )
    try:
        yield scratch
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept scratch database {name}", file=sys.stderr)
        else:
            admin_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _redis_forget(tag)
        if media_root:
            shutil.rmtree(media_root, ignore_errors=True)


def production_refuse(parser) -> None:
    """Benchmarks write and drop databases: never against production settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_site.settings")
    if os.environ.get("PLATFORM_ENV") == "production":
        parser.error("run the benchmark against a development or staging server, not production")


def run_benchmark(args, scratch_url: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import tenant_context

    from accounts.models import Role, User
    from tenants import provisioning, services
    from tenants.management.commands.demo_seed import credit_code
    from tenants.models import ApplicationStatus, Tenant, TenantApplication, TenantStatus

    print(f"machine: {machine()}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"postgres: {cursor.fetchone()[0]}")
    print(f"scratch database: {connection.settings_dict['NAME']} (dropped at the end)")

    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("platform_bootstrap", pool=0, verbosity=0, stdout=io.StringIO())
    print(f"setup: shared migrations + templates in {time.perf_counter() - started:.1f} s")
    counts = {t: len(provisioning.expected_migrations(t)) for t in ("supplier", "dealer")}
    print(
        "tenant migrations per schema: "
        + ", ".join(f"{tenant_type}={count}" for tenant_type, count in counts.items())
    )

    # --- PostgreSQL baseline ---------------------------------------------------------------
    select_one, create_drop = [], []
    with connection.cursor() as cursor:
        for _ in range(500):
            t0 = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            select_one.append(time.perf_counter() - t0)
        for i in range(50):
            t0 = time.perf_counter()
            cursor.execute(f'CREATE SCHEMA "bench_rt_{i}"')
            cursor.execute(f'DROP SCHEMA "bench_rt_{i}"')
            create_drop.append(time.perf_counter() - t0)
    params = database_params(scratch_url)
    print(
        f"baseline: SELECT 1 round trip {median_ms(select_one)}, "
        f"CREATE+DROP SCHEMA {median_ms(create_drop)}, "
        f"pgbench select-only 1 client {pgbench_tps(params, args.pgbench_seconds)}"
    )

    connection.set_schema_to_public()
    reviewer = User.objects.create_superuser("bench@platform.example", "bench-pass-123")
    types = ["supplier", "dealer"]
    way_code = {"clone": "CL", "pool": "PL"}  # credit codes use no I, O, S, V or Z

    def application_approved(way: str, i: int) -> TenantApplication:
        tenant_type = types[i % 2]
        slug = f"{way}-{i}"
        application = TenantApplication.objects.create(
            type=tenant_type,
            company_name=f"Bench {way} {i}",
            credit_code=credit_code(region="110105", organisation=f"{way_code[way]}{i:06d}"),
            contact_name="Bench Owner",
            contact_email=f"owner@{slug}.example",
            contact_phone="13800000000",
            business_scope="Benchmark",
            subdomain=slug,
        )
        services.application_approve(application_id=application.pk, reviewer=reviewer)
        return application

    def provisioned_ok(application: TenantApplication) -> None:
        application.refresh_from_db()
        assert application.status == ApplicationStatus.LIVE, application.status
        with tenant_context(application.tenant):
            assert User.objects.filter(role=Role.OWNER).count() == 1
        connection.set_schema_to_public()

    def spares(tenant_type: str) -> int:
        return Tenant.objects.filter(type=tenant_type, status=TenantStatus.SPARE).count()

    # --- 1. CREATE SCHEMA + migrate_schemas ------------------------------------------------
    plain = []
    for i in range(args.n):
        schema_name = f"t_plain_{i}"
        # The row only tells migrate_schemas the schema's type; it is not a spare.
        Tenant.objects.create(schema_name=schema_name, type=types[i % 2], name=schema_name)
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema_name}"')
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=schema_name,
            interactive=False,
            verbosity=0,
        )
        plain.append(time.perf_counter() - t0)
        connection.set_schema_to_public()
        assert not provisioning.missing_migrations(schema_name, types[i % 2])

    # --- 2. tenant_provision, pool empty: clone from the template ---------------------------
    clone = []
    for i in range(args.n):
        application = application_approved("clone", i)
        assert spares(application.type) == 0
        t0 = time.perf_counter()
        services.tenant_provision(application_id=application.pk)
        clone.append(time.perf_counter() - t0)
        provisioned_ok(application)

    # --- 3. tenant_provision from the warm pool ---------------------------------------------
    pooled = []
    for i in range(args.n):
        application = application_approved("pool", i)
        provisioning.pool_refill(application.type, 1)  # what the refill task does, untimed
        assert spares(application.type) == 1
        t0 = time.perf_counter()
        services.tenant_provision(application_id=application.pk)
        pooled.append(time.perf_counter() - t0)
        provisioned_ok(application)
        assert spares(application.type) == 0, "the provisioning did not claim the spare"

    def spread(samples: list[float]) -> str:
        ordered = sorted(samples)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        return (
            f"(min {ordered[0]:.3f} s, p90 {p90:.3f} s, max {ordered[-1]:.3f} s, n={len(ordered)})"
        )

    print(f"create_and_migrate spread {spread(plain)}")
    print(f"clone spread {spread(clone)}")
    print(f"provision spread {spread(pooled)}")
    print(f"create_and_migrate_median_s={statistics.median(plain):.3f} s")
    print(f"clone_median_s={statistics.median(clone):.3f} s")
    print(f"provision_median_s={statistics.median(pooled):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
