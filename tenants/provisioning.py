"""Schemas for new tenants: per-type templates, a warm pool of spares, and freshness checks.

A new tenant's schema comes, fastest first, from:

1. a *spare*: a schema cloned ahead of time from the type's template and kept at the latest
   migrations by ``migrate_schemas`` (spares are Tenant rows with status ``spare``). Claiming
   one is ``ALTER SCHEMA … RENAME`` plus an UPDATE of its row: milliseconds.
2. a clone of the type's *template* (a Tenant row with status ``template``): ~0.3 s, flat in
   the number of migrations.

Both refuse a schema that is missing a migration: a stale template clones silently broken
schemas (TENANCY.md). Everything here runs inside the caller's transaction, and PostgreSQL
DDL is transactional, so a failed provisioning leaves no half-made schema behind.
"""

from __future__ import annotations

import uuid
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CLONE_SCHEMA_FUNCTION
from django_tenants.utils import schema_exists

from tenants.models import Tenant, TenantStatus, TenantType


class StaleSchemaError(RuntimeError):
    """A template or spare schema is missing migrations and must not be used."""


def template_schema_name(tenant_type: str) -> str:
    return settings.TENANT_TYPES[tenant_type]["BASE_SCHEMA"]


@cache
def expected_migrations(tenant_type: str) -> frozenset[tuple[str, str]]:
    """Every migration on disk of the apps that a schema of ``tenant_type`` holds."""
    from django.apps import apps

    labels = {
        apps.get_app_config(name.rsplit(".", 1)[-1]).label
        for name in settings.TENANT_TYPES[tenant_type]["APPS"]
    }
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return frozenset(key for key in loader.disk_migrations if key[0] in labels)


def missing_migrations(schema_name: str, tenant_type: str) -> list[str]:
    """The migrations of ``tenant_type`` that ``schema_name`` has not applied, as 'app.name'."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema_name}".django_migrations'])
        if not cursor.fetchone()[0]:
            return sorted(f"{app}.{name}" for app, name in expected_migrations(tenant_type))
        cursor.execute(f'SELECT app, name FROM "{schema_name}".django_migrations')
        applied = set(cursor.fetchall())
    return sorted(f"{app}.{name}" for app, name in expected_migrations(tenant_type) - applied)


def check_fresh(schema_name: str, tenant_type: str) -> None:
    missing = missing_migrations(schema_name, tenant_type)
    if missing:
        raise StaleSchemaError(
            f"Schema {schema_name!r} is missing {len(missing)} migration(s) "
            f"({', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}); "
            "run `manage.py migrate_schemas` before provisioning from it."
        )


def _clone_function_ensure() -> None:
    # django-tenants' CloneSchema re-creates this 4,000-line function on every clone; once per
    # database is enough, so create it only when it is missing.
    with connection.cursor() as cursor:
        # (ops) pg_proc, not to_regproc(): that raises "invalid name syntax" on PostgreSQL 15
        # and is always NULL on 16 for a signature, so the function was re-created every time.
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public' AND p.proname = 'clone_schema')"
        )
        if not cursor.fetchone()[0]:
            db_user = settings.DATABASES["default"].get("USER") or "postgres"
            cursor.execute(CLONE_SCHEMA_FUNCTION.format(db_user=db_user))


def schema_clone(*, source: str, target: str) -> None:
    if schema_exists(target, case_sensitive=False):
        raise StaleSchemaError(f"Schema {target!r} already exists.")
    _clone_function_ensure()
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.clone_schema(%s, %s, 'DATA')", [source, target])


def template_ensure(tenant_type: str) -> Tenant:
    """Create the type's template tenant and its fully migrated schema, if missing."""
    connection.set_schema_to_public()
    schema_name = template_schema_name(tenant_type)
    template, _ = Tenant.objects.get_or_create(
        schema_name=schema_name,
        defaults={
            "type": tenant_type,
            "name": f"Template ({tenant_type})",
            "status": TenantStatus.TEMPLATE,
        },
    )
    if not schema_exists(schema_name):
        # create_schema migrates from scratch when the base schema (itself) does not exist yet.
        template.create_schema(check_if_exists=True, verbosity=0)
    check_fresh(schema_name, tenant_type)
    return template


def pool_refill(tenant_type: str, size: int | None = None) -> int:
    """Clone spares from the template until the pool holds ``size``; returns how many were made."""
    size = settings.TENANT_POOL_SIZE if size is None else size
    connection.set_schema_to_public()
    template = template_schema_name(tenant_type)
    made = 0
    while Tenant.objects.filter(type=tenant_type, status=TenantStatus.SPARE).count() < size:
        with transaction.atomic():
            check_fresh(template, tenant_type)
            schema_name = f"spare_{tenant_type}_{uuid.uuid4().hex[:12]}"
            schema_clone(source=template, target=schema_name)
            Tenant.objects.create(
                schema_name=schema_name,
                type=tenant_type,
                name=schema_name,
                status=TenantStatus.SPARE,
            )
        made += 1
    return made


def schema_claim(*, tenant_type: str, schema_name: str) -> Tenant | None:
    """Take a fresh spare and rename it to ``schema_name``; None when the pool is empty.

    Must run inside the provisioning transaction: the spare row stays locked until it
    commits, and a rollback restores the spare under its old name.
    """
    assert connection.in_atomic_block, "schema_claim must run inside the provisioning transaction"
    for spare in (
        Tenant.objects.select_for_update(skip_locked=True)
        .filter(type=tenant_type, status=TenantStatus.SPARE)
        .order_by("pk")[:3]
    ):
        if missing_migrations(spare.schema_name, tenant_type):
            continue  # migrate_schemas will bring it up to date; never hand it out stale
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{schema_name}"')
        spare.schema_name = schema_name
        return spare
    return None


def schema_provide(*, tenant_type: str, schema_name: str) -> tuple[Tenant | None, str]:
    """A ready schema named ``schema_name``: a claimed spare (its Tenant row to reuse) or a clone.

    Returns ``(spare_row_or_None, how)`` where ``how`` is ``"pool"`` or ``"clone"``.
    """
    if tenant_type not in TenantType.values:
        raise ValueError(f"unknown tenant type {tenant_type!r}")
    spare = schema_claim(tenant_type=tenant_type, schema_name=schema_name)
    if spare is not None:
        return spare, "pool"
    template = template_schema_name(tenant_type)
    check_fresh(template, tenant_type)
    schema_clone(source=template, target=schema_name)
    return None, "clone"
