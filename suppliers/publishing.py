"""Publishing a supplier's products to dealers, and keeping the supply catalogue current.

The ONE module that writes the exchange rows from supplier data: ``catalog.SupplyOffer`` and
``catalog.SupplyOfferSku`` (public schema), and ``catalog.DealerAuthorisation``. It runs in the
supplier's schema: the search path is "<supplier>, public", so the supplier's own tables and
the public exchange are read and written in ONE transaction, with no schema switch
(TENANCY.md).

* ``product_publish`` / ``product_withdraw``: the supplier's decision, kept on the product
  (``Product.published_audience``: "" (not published), "all" or "authorised"), applied to the catalogue at
  once in the same transaction.
* ``offer_sync_now(product_ids=...)``: rebuilds the offers of these products from the supplier's
  data, set-based (a fixed handful of queries per chunk of products, whatever their number of
  SKUs), writing only what changed and bumping ``SupplyOffer.version`` only then. An offer is
  *published* while its product is published, listed and has an active SKU; otherwise it is
  *withdrawn*, with every SKU inactive and nothing available. Safe to run any number of times.
* ``offer_stock_sync_now(sku_ids=...)``: the same for SKUs whose stock alone moved (the ERP's
  everyday case), in two set-based statements.
* ``offer_sync_schedule(product_ids=..., sku_ids=..., stock_only=...)``: what every write path of
  the catalogue and of stock calls (suppliers.services; supplychain.services and
  supplychain.sync through ``stock_changed``). After the transaction commits, the published
  products (or, for stock, SKUs) among them are added to Redis sets per supplier, and one
  Celery task is scheduled (debounced: only if none is pending). The task (``offer_sync_run``)
  takes the whole sets and syncs them, so a burst of changes costs one run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from catalog.models import (
    Category,
    CategorySpec,
    DealerAuthorisation,
    OfferAudience,
    OfferStatus,
    SpecKind,
    SupplyOffer,
    SupplyOfferSku,
)
from catalog.search import offer_search_refresh
from network.services import exclusive_conflicts
from suppliers.models import PriceTier, Product, ProductImage, ProductStatus, Sku
from supplychain.models import StockLevel, Warehouse
from tenants.models import Tenant, TenantStatus, TenantType

logger = logging.getLogger(__name__)

# Seconds between the first change of a burst and the sync that carries it to the catalogue.
SYNC_DEBOUNCE_SECONDS = 1.0
# Products per transaction of a sync.
SYNC_CHUNK = 1000
# pg_advisory_xact_lock(SYNC_LOCK_CLASS, supplier id): one sync per supplier at a time.
SYNC_LOCK_CLASS = 0x5359

OFFER_FIELDS = (
    "category_id",
    "code",
    "name",
    "brand",
    "unit",
    "moq",
    "description",
    "parameters",
    "images",
    "audience",
    "status",
    "available",
)
OFFER_TEXT_FIELDS = ("category_id", "code", "name", "brand", "parameters")
SKU_FIELDS = (
    "code",
    "barcode",
    "variant",
    "currency",
    "supply_price",
    "suggested_retail_price",
    "min_resale_price",
    "moq",
    "price_tiers",
    "available",
    "is_active",
    "position",
)
SKU_TEXT_FIELDS = ("code", "variant")


class PublishError(Exception):
    """The product cannot be published as asked; the message is for the supplier."""


def _supplier() -> Tenant:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.type != TenantType.SUPPLIER:
        raise RuntimeError("suppliers.publishing runs in a supplier's schema (tenant_context)")
    return tenant


# --- The supplier's decisions --------------------------------------------------------------------


@transaction.atomic
def product_publish(*, actor: User | None, product: Product, audience: str) -> SupplyOffer:
    """Publish a listed product to all dealers or to authorised dealers only (or change who).

    The offer is written (or refreshed) in the same transaction.
    """
    if audience not in OfferAudience.values:
        raise PublishError(_("Choose who may see the product."))
    supplier = _supplier()
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status != ProductStatus.LISTED:
        raise PublishError(
            _("%(code)s is not listed: list it before publishing it to dealers.")
            % {"code": product.code}
        )
    if not product.skus.filter(is_active=True).exists():
        raise PublishError(
            _("%(code)s has no active SKU: activate one before publishing it.")
            % {"code": product.code}
        )
    previous = product.published_audience
    if previous != audience:
        product.published_audience = audience
        fields = ["published_audience"]
        if not previous:
            product.published_at = timezone.now()
            fields.append("published_at")
        product.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="product.published",
            target=product,
            data={"code": product.code, "audience": audience, "from": previous},
        )
    offer_sync_now(product_ids=[product.pk])
    return SupplyOffer.objects.get(supplier=supplier, product_id=product.pk)


@transaction.atomic
def product_withdraw(*, actor: User | None, product: Product) -> Product:
    """Take a product out of the supply catalogue: dealers' storefronts drop it at once."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if not product.published_audience:
        return product
    previous = product.published_audience
    product.published_audience = ""
    product.published_at = None
    product.save(update_fields=["published_audience", "published_at"])
    audit_record(
        actor=actor,
        action="product.withdrawn",
        target=product,
        data={"code": product.code, "from": previous},
    )
    offer_sync_now(product_ids=[product.pk])
    return product


@transaction.atomic
def dealer_authorisations_update(
    *, actor: User | None, authorise: Iterable[int], revoke: Iterable[int]
) -> tuple[list[str], list[str]]:
    """Authorise some dealers and revoke others (tenant ids); returns (added, removed) names.

    Only live dealer tenants can be authorised, and none located in a region the supplier made
    exclusive to another dealer (PublishError, nothing changed). Offers published to authorised
    dealers only get a new version, so caches of dealers' storefronts see the change.
    """
    supplier = _supplier()
    # One change of this supplier's network at a time (network.services locks the same row).
    Tenant.objects.select_for_update().filter(pk=supplier.pk).first()
    authorise, revoke = set(authorise) - set(revoke), set(revoke)
    dealers = {
        tenant.pk: tenant
        for tenant in Tenant.objects.filter(
            pk__in=authorise | revoke, type=TenantType.DEALER, status=TenantStatus.ACTIVE
        )
    }
    existing = set(
        DealerAuthorisation.objects.filter(supplier=supplier).values_list("dealer_id", flat=True)
    )
    to_add = sorted(pk for pk in authorise if pk in dealers and pk not in existing)
    to_remove = sorted(pk for pk in revoke if pk in existing)
    # An exclusive region of this supplier belongs to one dealer: nobody else located there.
    shut_out = exclusive_conflicts(supplier_id=supplier.pk, dealer_ids=to_add)
    if shut_out:
        raise PublishError(
            _("%(names)s cannot be authorised: located in a region exclusive to another dealer.")
            % {
                "names": ", ".join(
                    f"{dealers[pk].name} ({region})" for pk, region in sorted(shut_out.items())
                )
            }
        )
    if not to_add and not to_remove:
        return [], []
    now = timezone.now()
    DealerAuthorisation.objects.bulk_create(
        [DealerAuthorisation(supplier=supplier, dealer_id=pk, created_at=now) for pk in to_add],
        ignore_conflicts=True,
    )
    DealerAuthorisation.objects.filter(supplier=supplier, dealer_id__in=to_remove).delete()
    SupplyOffer.objects.filter(supplier=supplier, audience=OfferAudience.AUTHORISED).update(
        version=F("version") + 1, updated_at=now
    )
    removed_names = dict(Tenant.objects.filter(pk__in=to_remove).values_list("pk", "name"))
    added = [dealers[pk].name for pk in to_add]
    removed = [removed_names.get(pk, str(pk)) for pk in to_remove]
    audit_record(
        actor=actor,
        action="dealer.authorisation_changed",
        data={
            "authorised": [{"id": pk, "name": dealers[pk].name} for pk in to_add],
            "revoked": [{"id": pk, "name": removed_names.get(pk, "")} for pk in to_remove],
        },
    )
    return added, removed


# --- The sync: supplier data → supply catalogue ---------------------------------------------------


@dataclass
class SyncReport:
    products: int = 0  # product ids looked at
    offers_created: int = 0
    offers_changed: int = 0  # created or changed: their version moved
    offers_withdrawn: int = 0  # went from published to withdrawn in this sync
    skus_written: int = 0


def offer_sync_now(*, product_ids: Iterable[int]) -> SyncReport:
    """Bring the offers of these products in line with the supplier's data, now.

    Runs in the active supplier schema; each chunk of products is one transaction holding the
    supplier's sync lock. Unpublished products without an offer are skipped.
    """
    supplier = _supplier()
    ids = sorted({int(pk) for pk in product_ids})
    report = SyncReport(products=len(ids))
    for start in range(0, len(ids), SYNC_CHUNK):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [SYNC_LOCK_CLASS, supplier.pk]
                )
            _sync_chunk(supplier, ids[start : start + SYNC_CHUNK], report)
    return report


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _parameter_templates(category_ids: set[int]) -> dict[int, list[CategorySpec]]:
    """The effective parameter template of each category (two queries for all of them).

    Same rule as catalog.selectors.category_specs: ancestors' fields first, a deeper field
    replacing an ancestor's field of the same code.
    """
    categories = Category.objects.filter(pk__in=category_ids).select_related("parent__parent")
    chains = {category.pk: category.ancestors() for category in categories}
    node_ids = {node.pk for chain in chains.values() for node in chain}
    specs: dict[int, list[CategorySpec]] = {}
    for spec in CategorySpec.objects.filter(
        category_id__in=node_ids, kind=SpecKind.PARAMETER
    ).order_by("position", "pk"):
        specs.setdefault(spec.category_id, []).append(spec)
    templates = {}
    for category_id, chain in chains.items():
        by_code: dict[str, CategorySpec] = {}
        for node in chain:
            for spec in specs.get(node.pk, []):
                by_code.pop(spec.code, None)
                by_code[spec.code] = spec
        templates[category_id] = list(by_code.values())
    return templates


def _parameters(values: dict, template: list[CategorySpec]) -> list[dict]:
    rows = [
        {
            "code": spec.code,
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "unit": spec.unit,
            "value": values[spec.code],
        }
        for spec in template
        if values.get(spec.code)
    ]
    known = {spec.code for spec in template}
    rows += [
        {"code": key, "name_zh": key, "name_en": key, "unit": "", "value": value}
        for key, value in (values or {}).items()
        if key not in known and value
    ]
    return rows


def _any(ids: Iterable[int]) -> RawSQL:
    """``pk__in=_any(ids)``: the ids as ONE array parameter (``IN (SELECT unnest(…))``), not one
    parameter each — thousands of ids cost Django and PostgreSQL next to nothing this way."""
    return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])


def _rows_update(table: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """``UPDATE table SET col = v.col … FROM unnest(arrays) WHERE id = v.id``: one statement.

    ``columns`` maps column name to its SQL array type, e.g. {"available": "integer"}; each row
    is (id, value, ...) in that order.
    """
    if not rows:
        return
    names = list(columns)
    assignments = ", ".join(f'"{name}" = v."{name}"' for name in names)
    arrays = ", ".join(["%s::bigint[]"] + [f"%s::{kind}[]" for kind in columns.values()])
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" AS t SET {assignments} '
            f"FROM unnest({arrays}) AS v(id, {', '.join(names)}) WHERE t.id = v.id",
            [[row[i] for row in rows] for i in range(len(names) + 1)],
        )


def _sync_chunk(supplier: Tenant, ids: list[int], report: SyncReport) -> None:
    products = {
        row["id"]: row
        for row in Product.objects.filter(pk__in=_any(ids)).values(
            "id",
            "code",
            "name",
            "brand",
            "unit",
            "moq",
            "description",
            "parameters",
            "category_id",
            "status",
            "published_audience",
        )
    }
    existing = {
        row["product_id"]: row
        for row in SupplyOffer.objects.filter(supplier=supplier, product_id__in=_any(ids)).values(
            "id", "product_id", "version", "published_at", *OFFER_FIELDS
        )
    }
    wanted = {
        pk
        for pk, row in products.items()
        if row["published_audience"] and row["status"] == ProductStatus.LISTED
    }
    if not wanted and not existing:
        return

    skus_by_product: dict[int, list[dict]] = {}
    for sku in (
        Sku.objects.filter(product_id__in=_any(wanted))
        .order_by("product_id", "position", "pk")
        .values(
            "id",
            "product_id",
            "code",
            "barcode",
            "variant",
            "currency",
            "supply_price",
            "suggested_retail_price",
            "min_resale_price",
            "moq",
            "is_active",
            "position",
        )
    ):
        skus_by_product.setdefault(sku["product_id"], []).append(sku)
    sku_ids = [sku["id"] for rows in skus_by_product.values() for sku in rows]
    tiers: dict[int, list[dict]] = {}
    for sku_id, quantity, price in (
        PriceTier.objects.filter(sku_id__in=_any(sku_ids))
        .order_by("sku_id", "min_quantity")
        .values_list("sku_id", "min_quantity", "unit_price")
    ):
        tiers.setdefault(sku_id, []).append({"min_quantity": quantity, "unit_price": _money(price)})
    # Available per SKU over the active warehouses: one GROUP BY for the whole chunk.
    stock = dict(
        StockLevel.objects.filter(sku_id__in=_any(sku_ids), warehouse__is_active=True)
        .values("sku_id")
        .annotate(total=Sum(F("on_hand") - F("reserved")))
        .values_list("sku_id", "total")
    )
    images: dict[int, list[dict]] = {}
    base_url = supplier.base_url
    for product_id, image, thumbnail in (
        ProductImage.objects.filter(product_id__in=_any(wanted))
        .order_by("product_id", "position", "pk")
        .values_list("product_id", "image", "thumbnail")
    ):
        images.setdefault(product_id, []).append(
            {
                "url": base_url + default_storage.url(image),
                "thumb": base_url + default_storage.url(thumbnail),
            }
        )
    templates = _parameter_templates({products[pk]["category_id"] for pk in wanted})
    offer_skus: dict[int, dict[int, dict]] = {}
    for row in SupplyOfferSku.objects.filter(
        offer_id__in=_any(offer["id"] for offer in existing.values())
    ).values("id", "offer_id", "sku_id", *SKU_FIELDS):
        offer_skus.setdefault(row["offer_id"], {})[row["sku_id"]] = row

    now = timezone.now()
    offers_full: list[SupplyOffer] = []  # new or changed beyond their stock: upserted whole
    offers_stock: list[tuple] = []  # (id, available, version): only stock moved
    skus_full: dict[int, list[dict]] = {}  # product id -> SKU rows upserted whole
    skus_stock: list[tuple] = []  # (offer SKU id, available): only stock moved
    text_changed: set[int] = set()  # product ids whose searchable text changed
    for product_id in sorted(wanted | set(existing)):
        offer = existing.get(product_id)
        current_skus = offer_skus.get(offer["id"], {}) if offer is not None else {}
        product = products.get(product_id)
        sku_rows = skus_by_product.get(product_id, [])
        live = product_id in wanted and any(sku["is_active"] for sku in sku_rows)
        if not live and offer is None:
            continue
        if live:
            desired_skus = {}
            for sku in sku_rows:
                available = max(0, stock.get(sku["id"]) or 0) if sku["is_active"] else 0
                desired_skus[sku["id"]] = {
                    "code": sku["code"],
                    "barcode": sku["barcode"],
                    "variant": sku["variant"] or {},
                    "currency": sku["currency"],
                    "supply_price": sku["supply_price"],
                    "suggested_retail_price": sku["suggested_retail_price"],
                    "min_resale_price": sku["min_resale_price"],
                    "moq": sku["moq"] or product["moq"],
                    "price_tiers": tiers.get(sku["id"], []),
                    "available": available,
                    "is_active": sku["is_active"],
                    "position": sku["position"],
                }
            desired = {
                "category_id": product["category_id"],
                "code": product["code"],
                "name": product["name"],
                "brand": product["brand"],
                "unit": product["unit"],
                "moq": product["moq"],
                "description": product["description"],
                "parameters": _parameters(
                    product["parameters"], templates.get(product["category_id"], [])
                ),
                "images": images.get(product_id, []),
                "audience": product["published_audience"],
                "status": OfferStatus.PUBLISHED,
                "available": sum(row["available"] for row in desired_skus.values()),
            }
        else:
            # Withdrawn: keep what dealers last saw, but nothing of it is sellable.
            desired = {field: offer[field] for field in OFFER_FIELDS}
            desired.update(status=OfferStatus.WITHDRAWN, available=0)
            desired_skus = {}
        # SKUs the offer has but the product no longer offers: inactive, nothing available.
        for sku_id, row in current_skus.items():
            if sku_id not in desired_skus:
                desired_skus[sku_id] = {
                    **{field: row[field] for field in SKU_FIELDS},
                    "is_active": False,
                    "available": 0,
                }
        sku_changes = []  # (sku id, desired values, changed field names or None for new)
        for sku_id, values in desired_skus.items():
            current = current_skus.get(sku_id)
            if current is None:
                sku_changes.append((sku_id, values, None))
                continue
            fields = [field for field in SKU_FIELDS if current[field] != values[field]]
            if fields:
                sku_changes.append((sku_id, values, fields))
        offer_fields = (
            None
            if offer is None
            else [field for field in OFFER_FIELDS if offer[field] != desired[field]]
        )
        if offer_fields == [] and not sku_changes:
            continue

        report.offers_changed += 1
        if (
            offer is None
            or set(offer_fields) & set(OFFER_TEXT_FIELDS)
            or any(
                fields is None or set(fields) & set(SKU_TEXT_FIELDS)
                for _sku_id, _values, fields in sku_changes
            )
        ):
            text_changed.add(product_id)
        for sku_id, values, fields in sku_changes:
            if fields == ["available"]:
                skus_stock.append((current_skus[sku_id]["id"], values["available"]))
            else:
                skus_full.setdefault(product_id, []).append({"sku_id": sku_id, **values})
        if offer is not None and set(offer_fields) <= {"available"}:
            offers_stock.append((offer["id"], desired["available"], offer["version"] + 1))
            continue
        if offer is None:
            report.offers_created += 1
            version, published_at = 1, now
        else:
            version, published_at = offer["version"] + 1, offer["published_at"]
            if (
                offer["status"] != OfferStatus.PUBLISHED
                and desired["status"] == OfferStatus.PUBLISHED
            ):
                published_at = now
            if (
                offer["status"] == OfferStatus.PUBLISHED
                and desired["status"] != OfferStatus.PUBLISHED
            ):
                report.offers_withdrawn += 1
        offers_full.append(
            SupplyOffer(
                supplier=supplier,
                product_id=product_id,
                version=version,
                published_at=published_at,
                updated_at=now,
                **desired,
            )
        )

    # Offers and SKU rows whose stock alone moved: narrow UPDATEs (the ERP's everyday case).
    _rows_update(
        SupplyOffer._meta.db_table,
        {"available": "integer", "version": "integer", "updated_at": "timestamptz"},
        [(pk, available, version, now) for pk, available, version in offers_stock],
    )
    _rows_update(SupplyOfferSku._meta.db_table, {"available": "integer"}, skus_stock)
    report.skus_written += len(skus_stock)
    # Everything else: upserts of whole rows.
    offer_ids = {product_id: offer["id"] for product_id, offer in existing.items()}
    if offers_full:
        SupplyOffer.objects.bulk_create(
            offers_full,
            update_conflicts=True,
            unique_fields=["supplier", "product_id"],
            update_fields=[*OFFER_FIELDS, "version", "published_at", "updated_at"],
        )
        offer_ids.update({offer.product_id: offer.pk for offer in offers_full})
    sku_objects = [
        SupplyOfferSku(offer_id=offer_ids[product_id], **row)
        for product_id, rows in skus_full.items()
        for row in rows
    ]
    if sku_objects:
        SupplyOfferSku.objects.bulk_create(
            sku_objects,
            update_conflicts=True,
            unique_fields=["offer", "sku_id"],
            update_fields=list(SKU_FIELDS),
            batch_size=2000,
        )
    report.skus_written += len(sku_objects)
    if text_changed:
        offer_search_refresh(offer_ids[product_id] for product_id in text_changed)


def offer_stock_sync_now(*, sku_ids: Iterable[int]) -> SyncReport:
    """Carry the stock of these SKUs to the published offers: the ERP's everyday case.

    Two statements for any number of SKUs, with no Python per row: the offer SKUs get the
    available stock over the active warehouses (0 for an inactive SKU), then the offers whose
    SKUs moved get their new total and a new version. It follows the same rules as
    ``offer_sync_now``, which would find nothing left to change afterwards; withdrawn offers are
    left alone (nothing of them is available).
    """
    supplier = _supplier()
    ids = sorted({int(pk) for pk in sku_ids})
    report = SyncReport()
    if not ids:
        return report
    offers, offer_skus = SupplyOffer._meta.db_table, SupplyOfferSku._meta.db_table
    stock, warehouses = StockLevel._meta.db_table, Warehouse._meta.db_table
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SYNC_LOCK_CLASS, supplier.pk])
        cursor.execute(
            f"""
            WITH wanted AS (SELECT unnest(%s::bigint[]) AS sku_id),
            totals AS (
                SELECT s.sku_id, GREATEST(0, SUM(s.on_hand - s.reserved))::integer AS total
                FROM "{stock}" s JOIN "{warehouses}" w ON w.id = s.warehouse_id
                WHERE w.is_active AND s.sku_id IN (SELECT sku_id FROM wanted)
                GROUP BY s.sku_id
            ),
            fresh AS (
                SELECT wanted.sku_id, COALESCE(totals.total, 0) AS total
                FROM wanted LEFT JOIN totals ON totals.sku_id = wanted.sku_id
            )
            UPDATE "{offer_skus}" os
            SET available = CASE WHEN os.is_active THEN fresh.total ELSE 0 END
            FROM "{offers}" o, fresh
            WHERE os.offer_id = o.id AND o.supplier_id = %s AND o.status = %s
              AND os.sku_id = fresh.sku_id
              AND os.available <> CASE WHEN os.is_active THEN fresh.total ELSE 0 END
            RETURNING os.offer_id
            """,
            [ids, supplier.pk, OfferStatus.PUBLISHED],
        )
        moved = sorted({row[0] for row in cursor.fetchall()})
        report.skus_written = cursor.rowcount
        if moved:
            cursor.execute(
                f"""
                UPDATE "{offers}" o
                SET available = t.total, version = o.version + 1, updated_at = %s
                FROM (
                    SELECT offer_id,
                           COALESCE(SUM(available) FILTER (WHERE is_active), 0)::integer AS total
                    FROM "{offer_skus}" WHERE offer_id = ANY(%s::bigint[]) GROUP BY offer_id
                ) t
                WHERE o.id = t.offer_id
                """,
                [now, moved],
            )
            report.offers_changed = cursor.rowcount
    return report


# --- Scheduling: dirty products and SKUs in Redis, one debounced task per supplier ----------------


@lru_cache(maxsize=1)
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _keys(tenant_id: int) -> tuple[str, str, str]:
    """A supplier's Redis keys under this run's prefix: products to sync whole, SKUs whose stock
    moved, and the flag 'a run is scheduled'."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    base = f"{prefix}:offer-sync:{tenant_id}"
    return f"{base}:products", f"{base}:skus", f"{base}:scheduled"


def offer_sync_schedule(
    *,
    product_ids: Iterable[int] = (),
    sku_ids: Iterable[int] = (),
    stock_only: bool = False,
    published: bool = False,
) -> None:
    """After this transaction commits, carry these changes to the supply catalogue.

    Call it from every write path that changes products, SKUs, prices, images or stock;
    ``stock_only=True`` (stock writes) says only the SKUs' stock moved, which the run carries
    over with two statements. Only published products count (one query, now, in this
    schema, unless the caller says ``published``: SKUs it read from the supply catalogue); the Redis work happens after commit, with the supplier named explicitly
    (on_commit callbacks may run under another schema), and never breaks the caller: a lost
    mark is repaired by the next change or by ``offer_sync_sweep``.
    """
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.type != TenantType.SUPPLIER:
        return
    product_ids, sku_ids = set(product_ids), set(sku_ids)
    if not product_ids and not sku_ids:
        return
    if stock_only and published:
        dirty_skus, dirty_products = sorted(sku_ids), []
    elif stock_only:
        dirty_skus = list(
            Sku.objects.filter(pk__in=_any(sku_ids))
            .exclude(product__published_audience="")
            .values_list("pk", flat=True)
        )
        dirty_products = []
    else:
        condition = Q()
        if product_ids:
            condition |= Q(pk__in=_any(product_ids))
        if sku_ids:
            condition |= Q(pk__in=Sku.objects.filter(pk__in=_any(sku_ids)).values("product_id"))
        dirty_products = list(
            Product.objects.filter(condition)
            .exclude(published_audience="")
            .values_list("pk", flat=True)
        )
        dirty_skus = []
    if not dirty_products and not dirty_skus:
        return
    tenant_id = tenant.pk
    transaction.on_commit(
        lambda: offer_sync_enqueue(
            tenant_id=tenant_id, product_ids=dirty_products, sku_ids=dirty_skus
        ),
        robust=True,
    )


def offer_sync_enqueue(
    *, tenant_id: int, product_ids: Iterable[int] = (), sku_ids: Iterable[int] = ()
) -> bool:
    """Mark products (whole) and SKUs (stock) dirty; schedule a run unless one is pending.

    Returns True when this call scheduled the run.
    """
    from suppliers.tasks import offer_sync_task

    product_ids, sku_ids = [int(pk) for pk in product_ids], [int(pk) for pk in sku_ids]
    if not product_ids and not sku_ids:
        return False
    products_key, skus_key, flag_key = _keys(tenant_id)
    client = _redis()
    pipe = client.pipeline()
    for key, members in ((products_key, product_ids), (skus_key, sku_ids)):
        if members:
            pipe.sadd(key, *members)
            pipe.expire(key, 7 * 24 * 3600)
    pipe.execute()
    # The flag outlives the countdown generously; the run deletes it when it starts.
    if not client.set(flag_key, "1", nx=True, ex=300):
        return False
    offer_sync_task.apply_async(kwargs={"tenant_id": tenant_id}, countdown=SYNC_DEBOUNCE_SECONDS)
    return True


def _sync_dirty(*, product_ids: list[int], sku_ids: list[int]) -> SyncReport:
    report = offer_sync_now(product_ids=product_ids)
    stock = offer_stock_sync_now(sku_ids=sku_ids)  # finds nothing left of the products above
    report.offers_changed += stock.offers_changed
    report.skus_written += stock.skus_written
    return report


def offer_sync_run(*, tenant_id: int, run_id: str) -> SyncReport | None:
    """The task's body: take the supplier's dirty sets and sync them.

    The sets are moved atomically to keys of this run, so changes made meanwhile land in fresh
    sets (and schedule the next run) and none is lost; if the run fails, its members go back
    into the dirty sets, and a redelivered run (same id) finds its own sets again.
    """
    from platform_site.celery import run_in_tenant

    products_key, skus_key, flag_key = _keys(tenant_id)
    run_keys = {key: f"{key}:run:{run_id}" for key in (products_key, skus_key)}
    client = _redis()
    client.delete(flag_key)  # changes from now on schedule another run
    pipe = client.pipeline()  # MULTI/EXEC
    for key, run_key in run_keys.items():
        pipe.sunionstore(run_key, [run_key, key])
        pipe.delete(key)
        pipe.expire(run_key, 7 * 24 * 3600)
    pipe.execute()
    members = {
        key: sorted(int(m) for m in client.smembers(run_key)) for key, run_key in run_keys.items()
    }
    if (
        not any(members.values())
        or not Tenant.objects.filter(pk=tenant_id, type=TenantType.SUPPLIER).exists()
    ):
        if any(members.values()):
            logger.warning("supplier %s no longer exists; dropping its offer sync", tenant_id)
        client.delete(*run_keys.values())
        return None
    try:
        report = run_in_tenant(
            tenant_id, _sync_dirty, product_ids=members[products_key], sku_ids=members[skus_key]
        )
    except Exception:
        pipe = client.pipeline()
        for key, values in members.items():
            if values:
                pipe.sadd(key, *values)
        pipe.delete(*run_keys.values())
        pipe.execute()
        raise
    client.delete(*run_keys.values())
    return report


def offer_sync_sweep() -> int:
    """Schedule a run for every supplier with dirty products but no pending run (periodic).

    Repairs the rare case of a run that was never scheduled (Redis flag set, message lost).
    Returns how many runs it scheduled.
    """
    from suppliers.tasks import offer_sync_task

    client = _redis()
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    tenant_ids = set()
    for key in client.scan_iter(match=f"{prefix}:offer-sync:*", count=500):
        head, tenant_id, kind = key.decode().rsplit(":", 2)
        if head == f"{prefix}:offer-sync" and kind in ("products", "skus"):
            tenant_ids.add(int(tenant_id))
    scheduled = 0
    for tenant_id in sorted(tenant_ids):
        if client.set(_keys(tenant_id)[2], "1", nx=True, ex=300):
            offer_sync_task.apply_async(kwargs={"tenant_id": tenant_id})
            scheduled += 1
    return scheduled


# --- Reads for the publishing pages ----------------------------------------------------------------


def offer_of_product(*, product_id: int) -> SupplyOffer | None:
    """This supplier's offer of a product (with its SKUs), or None if it was never published."""
    return (
        SupplyOffer.objects.filter(supplier=_supplier(), product_id=product_id)
        .defer("search_document")
        .prefetch_related("skus")
        .first()
    )


def offer_list(*, status: str = "", query: str = ""):
    """This supplier's offers in the supply catalogue, newest change first, with SKU counts."""
    from django.db.models import Count

    offers = (
        SupplyOffer.objects.filter(supplier=_supplier())
        .defer("search_document", "description")
        .select_related("category__parent__parent")
        .annotate(sku_count=Count("skus", filter=Q(skus__is_active=True)))
    )
    if status:
        offers = offers.filter(status=status)
    if query := query.strip():
        offers = offers.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return offers.order_by("-updated_at", "-id")


def dealer_list(*, query: str = ""):
    """Live dealer tenants, by name, each with ``is_authorised`` for this supplier."""
    from django.db.models import Exists, OuterRef

    supplier = _supplier()
    dealers = Tenant.objects.filter(type=TenantType.DEALER, status=TenantStatus.ACTIVE).annotate(
        is_authorised=Exists(
            DealerAuthorisation.objects.filter(supplier=supplier, dealer=OuterRef("pk"))
        )
    )
    if query := query.strip():
        dealers = dealers.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    return dealers.order_by("name", "pk")


def authorised_dealer_count() -> int:
    return DealerAuthorisation.objects.filter(supplier=_supplier()).count()
