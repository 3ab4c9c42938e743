"""Every write to a supplier's catalogue: products, SKUs, prices, listing, images, CSV import.

All functions run in the active supplier schema (the request's tenant) and never switch
schemas. Price changes and listing changes write an audit row in the same transaction.
"""

from __future__ import annotations

import dataclasses
import os
from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from catalog.models import Category
from catalog.selectors import category_parameter_specs, category_variant_specs
from suppliers.images import image_process
from suppliers.models import (
    PriceTier,
    Product,
    ProductImage,
    ProductStatus,
    Sku,
)
from suppliers.pricing import price_rule_errors, tiers_format
from suppliers.publishing import offer_sync_schedule
from suppliers.richtext import rich_text_clean

MAX_IMAGES_PER_PRODUCT = 12
PRICE_FIELDS = ("supply_price", "suggested_retail_price", "min_resale_price")


class ProductStateError(Exception):
    """A move of a product's status that its transition map or the listing rules forbid."""


# --- Specification parameters and variants -----------------------------------------------------


def _free_key_value(key: str, value, *, what: str) -> tuple[str, str]:
    key, value = str(key).strip(), str(value if value is not None else "").strip()
    if not key or len(key) > 40 or any(ch in key for ch in "=;|"):
        raise ValidationError(
            _("“%(key)s” is not a usable %(what)s name (1–40 characters, no = ; |).")
            % {"key": key, "what": what}
        )
    if ";" in value or "|" in value or len(value) > 200:
        raise ValidationError(
            _("The value of “%(key)s” may not contain ; or | and has at most 200 characters.")
            % {"key": key}
        )
    return key, value


def product_parameters_clean(*, category: Category, parameters: dict) -> dict[str, str]:
    """Validate parameters against the category's template; other keys are kept as free text.

    Raises ValidationError keyed by parameter code. Empty values are dropped.
    """
    specs = {spec.code: spec for spec in category_parameter_specs(category=category)}
    cleaned: dict[str, str] = {}
    errors: dict[str, list] = {}
    for key, raw in (parameters or {}).items():
        try:
            if key in specs:
                value = specs[key].normalise(raw)
                if ";" in value or "|" in value:
                    raise ValidationError(_("A value may not contain ; or |."))
            else:
                key, value = _free_key_value(key, raw, what=_("parameter"))
        except ValidationError as error:
            errors.setdefault(key, []).extend(error.messages)
            continue
        if value:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    # Template fields first, in template order; then the supplier's own.
    ordered = {code: cleaned[code] for code in specs if code in cleaned}
    ordered.update({k: v for k, v in cleaned.items() if k not in specs})
    return ordered


def sku_variant_clean(*, category: Category, variant: dict) -> dict[str, str]:
    """Validate a SKU's variant against the category's variant axes (free keys if it has none)."""
    specs = {spec.code: spec for spec in category_variant_specs(category=category)}
    cleaned: dict[str, str] = {}
    errors: dict[str, list] = {}
    for key, raw in (variant or {}).items():
        try:
            if specs:
                if key not in specs:
                    raise ValidationError(
                        _("“%(key)s” is not a variant of this category; use: %(codes)s.")
                        % {"key": key, "codes": ", ".join(specs)}
                    )
                value = specs[key].normalise(raw)
                if ";" in value or "|" in value:
                    raise ValidationError(_("A value may not contain ; or |."))
            else:
                key, value = _free_key_value(key, raw, what=_("variant"))
        except ValidationError as error:
            errors.setdefault(key, []).extend(error.messages)
            continue
        if value:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    if specs:
        return {code: cleaned[code] for code in specs if code in cleaned}
    return cleaned


def category_check_usable(category: Category | None) -> None:
    if category is None:
        raise ValidationError({"category": _("Choose a category.")})
    if not category.is_leaf:
        raise ValidationError(
            {"category": _("Choose a category of the third level, e.g. 智能手机 Smartphones.")}
        )
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer in use.")})


# --- Products ----------------------------------------------------------------------------------


@transaction.atomic
def product_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    category: Category,
    brand: str = "",
    unit: str = "件",
    moq: int = 1,
    description: str = "",
    parameters: dict | None = None,
) -> Product:
    category_check_usable(category)
    product = Product(
        code=code.strip(),
        name=name.strip(),
        category=category,
        brand=brand.strip(),
        unit=unit.strip() or "件",
        moq=moq,
        description=rich_text_clean(description),
        parameters=product_parameters_clean(category=category, parameters=parameters or {}),
        created_by=actor if actor is not None and actor.pk else None,
    )
    product.full_clean(exclude=["category", "created_by"])
    product.save()
    audit_record(
        actor=actor,
        action="product.created",
        target=product,
        data={"code": product.code, "name": product.name},
    )
    return product


PRODUCT_EDITABLE = ("code", "name", "category", "brand", "unit", "moq", "description", "parameters")


@transaction.atomic
def product_update(*, actor: User | None, product: Product, **changes) -> Product:
    """Change the product's own fields (not its status, SKUs or prices)."""
    unknown = set(changes) - set(PRODUCT_EDITABLE)
    if unknown:
        raise TypeError(f"product_update cannot change {sorted(unknown)}")
    product = Product.objects.select_for_update().get(pk=product.pk)
    if "category" in changes and changes["category"].pk != product.category_id:
        category_check_usable(changes["category"])
    category = changes.get("category") or Category.objects.get(pk=product.category_id)
    if "description" in changes:
        changes["description"] = rich_text_clean(changes["description"])
    if "parameters" in changes or "category" in changes:
        changes["parameters"] = product_parameters_clean(
            category=category, parameters=changes.get("parameters", product.parameters)
        )
    for field in ("code", "name", "brand", "unit"):
        if field in changes:
            changes[field] = changes[field].strip()
    changed = {}
    for field, value in changes.items():
        old = product.category_id if field == "category" else getattr(product, field)
        new = value.pk if field == "category" else value
        if old != new:
            changed[field] = (old, new)
            setattr(product, field, value)
    if not changed:
        return product
    product.full_clean(exclude=["category", "created_by"])
    product.updated_at = timezone.now()
    product.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="product.updated",
        target=product,
        data={"code": product.code, "fields": sorted(changed)},
    )
    offer_sync_schedule(product_ids=[product.pk])
    return product


def product_listing_problems(product: Product) -> list[str]:
    """Why ``product`` cannot be listed yet (empty when it can)."""
    problems = []
    category = Category.objects.select_related("parent__parent").filter(pk=product.category_id)
    category = category.first()
    if category is None or not category.is_leaf or not category.is_active:
        problems.append(_("Its category is no longer in use; choose another."))
        return problems
    missing = [
        spec.name
        for spec in category_parameter_specs(category=category)
        if spec.required and not product.parameters.get(spec.code)
    ]
    if missing:
        problems.append(
            _("Fill in the required parameters: %(names)s.") % {"names": ", ".join(missing)}
        )
    skus = [sku for sku in product.skus.all() if sku.is_active]
    if not skus:
        problems.append(_("Add at least one active SKU with prices."))
    variant_specs = [s for s in category_variant_specs(category=category) if s.required]
    for sku in skus:
        absent = [spec.name for spec in variant_specs if not sku.variant.get(spec.code)]
        if absent:
            problems.append(
                _("SKU %(code)s needs: %(names)s.") % {"code": sku.code, "names": ", ".join(absent)}
            )
    return problems


def _status_path(from_status: str, to_status: str) -> list[str] | None:
    """The shortest chain of allowed moves from one status to another (BFS over TRANSITIONS)."""
    queue = deque([[from_status]])
    seen = {from_status}
    while queue:
        path = queue.popleft()
        if path[-1] == to_status:
            return path[1:]
        for nxt in Product.TRANSITIONS[path[-1]]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append([*path, nxt])
    return None


def product_transition(*, actor: User | None, product: Product, to: str) -> Product:
    """The one function that moves ``product.status``. Runs in the caller's transaction."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        if product.status == to:
            return product
        if not product.can_move_to(to):
            raise ProductStateError(
                _("A product that is “%(from)s” cannot become “%(to)s”.")
                % {"from": product.get_status_display(), "to": ProductStatus(to).label}
            )
        if to == ProductStatus.LISTED:
            problems = product_listing_problems(product)
            if problems:
                raise ProductStateError(
                    _("%(product)s cannot be listed: %(problems)s")
                    % {"product": product.code, "problems": " ".join(problems)}
                )
        from_status = product.status
        product.status = to
        product.updated_at = timezone.now()
        fields = ["status", "updated_at"]
        if to == ProductStatus.LISTED:
            product.listed_at = product.updated_at
            fields.append("listed_at")
        product.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=f"product.{to}",
            target=product,
            data={"code": product.code, "from": from_status, "to": to},
        )
        offer_sync_schedule(product_ids=[product.pk])
        return product


def product_list(*, actor: User | None, product: Product) -> Product:
    """List (上架) a product: dealers may then carry it."""
    return product_transition(actor=actor, product=product, to=ProductStatus.LISTED)


def product_delist(*, actor: User | None, product: Product) -> Product:
    """Delist (下架) a product."""
    return product_transition(actor=actor, product=product, to=ProductStatus.DELISTED)


def product_bulk_transition(
    *, actor: User | None, product_ids: list[int], to: str
) -> tuple[list[Product], list[str]]:
    """Move several products; each moves or not on its own. Returns (moved, refusal reasons)."""
    moved, refused = [], []
    for product in Product.objects.filter(pk__in=product_ids).order_by("pk"):
        if product.status == to:
            continue
        try:
            with transaction.atomic():
                moved.append(product_transition(actor=actor, product=product, to=to))
        except ProductStateError as error:
            refused.append(str(error))
    return moved, refused


# --- SKUs and prices ---------------------------------------------------------------------------


def _tiers_of(sku: Sku) -> list[tuple[int, Decimal]]:
    return [(tier.min_quantity, tier.unit_price) for tier in sku.tiers.all()]


def _sku_validate(sku: Sku, *, category: Category, tiers: list[tuple[int, Decimal]]) -> None:
    errors: dict[str, list[str]] = {}
    product_moq = Product.objects.filter(pk=sku.product_id).values_list("moq", flat=True).first()
    errors_prices = price_rule_errors(
        supply_price=sku.supply_price,
        suggested_retail_price=sku.suggested_retail_price,
        min_resale_price=sku.min_resale_price,
        tiers=tiers,
        moq=sku.moq or product_moq or 1,
    )
    for field, messages in errors_prices.items():
        errors.setdefault(field, []).extend(messages)
    try:
        sku.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _price_snapshot(sku: Sku, tiers: list[tuple[int, Decimal]]) -> dict[str, str]:
    snapshot = {field: f"{getattr(sku, field):.2f}" for field in PRICE_FIELDS}
    snapshot["tiers"] = tiers_format(tiers)
    return snapshot


def _tiers_replace(sku: Sku, tiers: list[tuple[int, Decimal]]) -> None:
    sku.tiers.all().delete()
    PriceTier.objects.bulk_create(
        PriceTier(sku=sku, min_quantity=quantity, unit_price=price)
        for quantity, price in sorted(tiers)
    )


@transaction.atomic
def sku_create(
    *,
    actor: User | None,
    product: Product,
    code: str,
    supply_price: Decimal,
    suggested_retail_price: Decimal,
    min_resale_price: Decimal,
    barcode: str = "",
    variant: dict | None = None,
    moq: int | None = None,
    is_active: bool = True,
    tiers: list[tuple[int, Decimal]] | None = None,
) -> Sku:
    category = Category.objects.select_related("parent__parent").get(pk=product.category_id)
    sku = Sku(
        product=product,
        code=code.strip(),
        barcode=(barcode or "").strip(),
        variant=sku_variant_clean(category=category, variant=variant or {}),
        supply_price=supply_price,
        suggested_retail_price=suggested_retail_price,
        min_resale_price=min_resale_price,
        moq=moq,
        is_active=is_active,
        position=product.skus.count(),
    )
    _sku_validate(sku, category=category, tiers=tiers or [])
    sku.save()
    if tiers:
        _tiers_replace(sku, tiers)
    audit_record(
        actor=actor,
        action="sku.created",
        target=sku,
        data={
            "code": sku.code,
            "product": product.code,
            "prices": _price_snapshot(sku, tiers or []),
        },
    )
    offer_sync_schedule(product_ids=[product.pk])
    return sku


SKU_EDITABLE = ("code", "barcode", "variant", "moq", "is_active", "position", *PRICE_FIELDS)


@transaction.atomic
def sku_update(
    *,
    actor: User | None,
    sku: Sku,
    tiers: list[tuple[int, Decimal]] | None = None,
    **changes,
) -> Sku:
    """Change a SKU; ``tiers`` (when given) replaces its tiered prices. Price changes are audited."""
    unknown = set(changes) - set(SKU_EDITABLE)
    if unknown:
        raise TypeError(f"sku_update cannot change {sorted(unknown)}")
    sku = Sku.objects.select_for_update().prefetch_related("tiers").get(pk=sku.pk)
    category = Category.objects.select_related("parent__parent").get(
        pk=Product.objects.values_list("category_id", flat=True).get(pk=sku.product_id)
    )
    old_tiers = _tiers_of(sku)
    before = _price_snapshot(sku, old_tiers)
    if "variant" in changes:
        changes["variant"] = sku_variant_clean(category=category, variant=changes["variant"])
    for field in ("code", "barcode"):
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    changed = [field for field, value in changes.items() if getattr(sku, field) != value]
    for field in changed:
        setattr(sku, field, changes[field])
    new_tiers = sorted(tiers) if tiers is not None else old_tiers
    tiers_changed = new_tiers != sorted(old_tiers)
    if not changed and not tiers_changed:
        return sku
    _sku_validate(sku, category=category, tiers=new_tiers)
    sku.updated_at = timezone.now()
    sku.save(update_fields=[*changed, "updated_at"] if changed else ["updated_at"])
    if tiers_changed:
        _tiers_replace(sku, new_tiers)
    after = _price_snapshot(sku, new_tiers)
    if after != before:
        audit_record(
            actor=actor,
            action="sku.prices_changed",
            target=sku,
            data={"code": sku.code, "from": before, "to": after},
        )
    other = [f for f in changed if f not in PRICE_FIELDS]
    if other:
        audit_record(
            actor=actor, action="sku.updated", target=sku, data={"code": sku.code, "fields": other}
        )
    offer_sync_schedule(product_ids=[sku.product_id])
    return sku


def sku_prices_set(
    *,
    actor: User | None,
    sku: Sku,
    supply_price: Decimal,
    suggested_retail_price: Decimal,
    min_resale_price: Decimal,
    tiers: list[tuple[int, Decimal]] | None = None,
) -> Sku:
    """Set a SKU's three controlled prices (and, when given, its tiered prices)."""
    return sku_update(
        actor=actor,
        sku=sku,
        tiers=tiers,
        supply_price=supply_price,
        suggested_retail_price=suggested_retail_price,
        min_resale_price=min_resale_price,
    )


class BulkPriceError(ValidationError):
    """Some rows of a bulk price edit break the rules; nothing was saved.

    ``row_errors`` maps SKU id to its messages.
    """

    def __init__(self, row_errors: dict[int, list[str]]):
        self.row_errors = row_errors
        super().__init__([m for messages in row_errors.values() for m in messages])


@transaction.atomic
def price_bulk_update(*, actor: User | None, changes: dict[int, dict[str, Decimal]]) -> int:
    """Set prices of many SKUs at once: all rows or none. Returns how many SKUs changed.

    ``changes``: {sku_id: {"supply_price": ..., "suggested_retail_price": ...,
    "min_resale_price": ...}} (any subset of the three). Rows are locked in id order.
    """
    skus = list(
        Sku.objects.select_for_update(of=("self",))
        .filter(pk__in=list(changes))
        .select_related("product")
        .prefetch_related("tiers")
        .order_by("pk")
    )
    row_errors: dict[int, list[str]] = {}
    to_save = []
    for sku in skus:
        wanted = {
            field: value
            for field, value in changes[sku.pk].items()
            if field in PRICE_FIELDS and value is not None
        }
        new = {field: wanted.get(field, getattr(sku, field)) for field in PRICE_FIELDS}
        if all(new[field] == getattr(sku, field) for field in PRICE_FIELDS):
            continue
        tiers = _tiers_of(sku)
        errors = price_rule_errors(**new, tiers=tiers, moq=sku.effective_moq)
        if errors:
            row_errors[sku.pk] = [
                f"{sku.code}: {message}" for messages in errors.values() for message in messages
            ]
            continue
        before = _price_snapshot(sku, tiers)
        for field, value in new.items():
            setattr(sku, field, value)
        to_save.append((sku, before, _price_snapshot(sku, tiers)))
    missing = set(changes) - {sku.pk for sku in skus}
    for sku_id in missing:
        row_errors[sku_id] = [_("A SKU in the list no longer exists.")]
    if row_errors:
        raise BulkPriceError(row_errors)
    now = timezone.now()
    for sku, before, after in to_save:
        sku.updated_at = now
        sku.save(update_fields=[*PRICE_FIELDS, "updated_at"])
        audit_record(
            actor=actor,
            action="sku.prices_changed",
            target=sku,
            data={"code": sku.code, "from": before, "to": after, "bulk": True},
        )
    offer_sync_schedule(sku_ids=[sku.pk for sku, _before, _after in to_save])
    return len(to_save)


# --- Images ------------------------------------------------------------------------------------


def _files_remove_on_commit(paths: list[str]) -> None:
    """Delete files once the transaction commits. Paths are absolute, computed in this schema,
    because on_commit callbacks may run under another schema (TENANCY.md)."""

    def remove():
        for path in paths:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass

    transaction.on_commit(remove)


@transaction.atomic
def product_image_add(*, actor: User | None, product: Product, upload) -> ProductImage:
    """Validate, re-encode and store an image (MEDIA_ROOT/<schema>/products/<id>/...)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    count = product.images.count()
    if count >= MAX_IMAGES_PER_PRODUCT:
        raise ValidationError(
            _("A product has at most %(max)s images.") % {"max": MAX_IMAGES_PER_PRODUCT}
        )
    processed = image_process(upload)
    image = ProductImage(
        product=product,
        width=processed.width,
        height=processed.height,
        original_name=os.path.basename(getattr(upload, "name", "") or "")[:255],
        position=count,
    )
    written = []
    try:
        image.image.save(processed.image_name, ContentFile(processed.image), save=False)
        written.append(default_storage.path(image.image.name))
        image.thumbnail.save(processed.thumbnail_name, ContentFile(processed.thumbnail), save=False)
        written.append(default_storage.path(image.thumbnail.name))
        image.save()
        audit_record(
            actor=actor,
            action="product.image_added",
            target=product,
            data={"code": product.code, "image": image.image.name},
        )
        offer_sync_schedule(product_ids=[product.pk])
    except Exception:
        for path in written:
            if os.path.exists(path):
                os.remove(path)
        raise
    # If an outer transaction of the caller rolls back later, the two files stay behind as
    # orphans (never referenced, harmless); views call this service outside any transaction.
    return image


@transaction.atomic
def product_image_delete(*, actor: User | None, image: ProductImage) -> None:
    paths = [default_storage.path(image.image.name), default_storage.path(image.thumbnail.name)]
    product = Product.objects.select_for_update().get(pk=image.product_id)
    image.delete()
    for position, other in enumerate(product.images.order_by("position", "pk")):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    audit_record(
        actor=actor,
        action="product.image_removed",
        target=product,
        data={"code": product.code, "image": image.image.name},
    )
    offer_sync_schedule(product_ids=[product.pk])
    _files_remove_on_commit(paths)


# --- CSV import and export ---------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, or every reason it did nothing."""

    rows: int = 0
    errors: list = dataclasses.field(
        default_factory=list
    )  # catalogue_csv.RowError, ordered by line
    products_created: int = 0
    products_updated: int = 0
    skus_created: int = 0
    skus_updated: int = 0
    stock_rows_changed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class _ImportAborted(Exception):
    def __init__(self, errors):
        self.errors = errors


def _error_messages(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            (key if key != "__all__" else "", message)
            for key, messages in error.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in error.messages]


def product_import_csv(*, actor: User | None, data: bytes) -> ImportReport:
    """Import a catalogue CSV: every row is checked first; a file with any error changes nothing.

    Creates or updates products and SKUs (matched by their codes), replaces tiered prices
    when the ``tiers`` column is present, sets stock per warehouse, and moves statuses.
    Everything happens in one transaction through the same services as the pages.
    """
    from suppliers.catalogue_csv import RowError, catalogue_csv_read

    plan = catalogue_csv_read(data)
    report = ImportReport(rows=plan.rows, errors=sorted(plan.errors, key=lambda e: e.line))
    if plan.errors:
        return report
    try:
        with transaction.atomic():
            _import_apply(actor=actor, plan=plan, report=report, row_error=RowError)
    except _ImportAborted as aborted:
        return ImportReport(rows=plan.rows, errors=sorted(aborted.errors, key=lambda e: e.line))
    except IntegrityError as error:
        # Another change raced the import (e.g. the same code saved meanwhile): nothing applied.
        return ImportReport(
            rows=plan.rows,
            errors=[
                RowError(
                    0, "", _("The catalogue changed during the import; try again. (%s)") % error
                )
            ],
        )
    return report


@transaction.atomic
def product_import_queue(*, actor: User, file_name: str, data: bytes):
    """Keep an uploaded catalogue CSV and have a worker import it after commit; returns the
    ``ProductImport`` whose page shows the outcome."""
    from suppliers.models import ProductImport
    from suppliers.tasks import product_import_task

    upload = ProductImport.objects.create(file_name=file_name[:255], data=data, created_by=actor)
    tenant_id, import_id = connection.tenant.pk, upload.pk
    language = translation.get_language() or settings.LANGUAGE_CODE  # the report's language
    transaction.on_commit(
        lambda: product_import_task.delay(
            tenant_id=tenant_id, import_id=import_id, language=language
        )
    )
    return upload


def product_import_run(*, import_id: int):
    """Import a queued upload (``product_import_csv``), then record the outcome and drop the
    file, all in one transaction: a worker that dies half-way leaves the upload queued and
    nothing imported, and a second delivery of the task waits on the row and finds it done."""
    from suppliers.models import ImportStatus, ProductImport

    with transaction.atomic():
        upload = ProductImport.objects.select_for_update().get(pk=import_id)
        if upload.status != ImportStatus.QUEUED:
            return upload
        actor = User.objects.filter(pk=upload.created_by_id).first()
        report = product_import_csv(actor=actor, data=bytes(upload.data))
        upload.status = ImportStatus.APPLIED if report.ok else ImportStatus.REJECTED
        upload.report = {
            "rows": report.rows,
            "errors": [
                {"line": error.line, "column": error.column, "message": str(error.message)}
                for error in report.errors
            ],
            "products_created": report.products_created,
            "products_updated": report.products_updated,
            "skus_created": report.skus_created,
            "skus_updated": report.skus_updated,
            "stock_rows_changed": report.stock_rows_changed,
        }
        upload.data = b""
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "report", "data", "finished_at"])
    return upload


def product_import_fail(*, import_id: int, message: str):
    """The worker could not import it (an unexpected error): say so on its page."""
    from suppliers.models import ImportStatus, ProductImport

    with transaction.atomic():
        upload = ProductImport.objects.select_for_update().get(pk=import_id)
        if upload.status == ImportStatus.QUEUED:
            upload.status = ImportStatus.FAILED
            upload.report = {"rows": 0, "errors": [{"line": 0, "column": "", "message": message}]}
            upload.data = b""
            upload.finished_at = timezone.now()
            upload.save(update_fields=["status", "report", "data", "finished_at"])
    return upload


def _import_apply(*, actor, plan, report: ImportReport, row_error) -> None:
    from supplychain.services import StockEntry, StockError, stock_bulk_set

    errors = []
    products: dict[str, Product] = {}
    for code, item in plan.products.items():
        try:
            if item.existing is None:
                fields = dict(item.fields)
                products[code] = product_create(actor=actor, code=code, **fields)
                report.products_created += 1
            else:
                products[code] = product_update(actor=actor, product=item.existing, **item.fields)
                if products[code].updated_at != item.existing.updated_at:
                    report.products_updated += 1
        except ValidationError as error:
            errors += [row_error(item.line, c, m) for c, m in _error_messages(error)]
    if errors:
        raise _ImportAborted(errors)

    entries, entry_lines = [], {}
    for item in plan.skus:
        try:
            if item.existing is None:
                sku = sku_create(
                    actor=actor,
                    product=products[item.product_code],
                    code=item.code,
                    tiers=item.tiers,
                    **item.fields,
                )
                report.skus_created += 1
            else:
                sku = sku_update(actor=actor, sku=item.existing, tiers=item.tiers, **item.fields)
                if sku.updated_at != item.existing.updated_at:
                    report.skus_updated += 1
        except ValidationError as error:
            errors += [row_error(item.line, c, m) for c, m in _error_messages(error)]
            continue
        for warehouse_id, quantities in item.stock.items():
            entries.append(StockEntry(sku_id=sku.pk, warehouse_id=warehouse_id, **quantities))
            entry_lines[(sku.pk, warehouse_id)] = item.line
    if errors:
        raise _ImportAborted(errors)
    try:
        report.stock_rows_changed = len(
            stock_bulk_set(actor=actor, entries=entries, reason="csv import")
        )
    except StockError as error:
        raise _ImportAborted(
            [
                row_error(entry_lines.get(key, 0), "stock", message)
                for key, messages in error.row_errors.items()
                for message in messages
            ]
        ) from None

    for code, item in plan.products.items():
        if item.status is None:
            continue
        product = products[code]
        try:
            for step in _status_path(product.status, item.status) or []:
                product = product_transition(actor=actor, product=product, to=step)
        except ProductStateError as error:
            errors.append(row_error(item.line, "status", str(error)))
    if errors:
        raise _ImportAborted(errors)
    audit_record(
        actor=actor,
        action="catalogue.imported",
        data={
            "rows": report.rows,
            "products_created": report.products_created,
            "products_updated": report.products_updated,
            "skus_created": report.skus_created,
            "skus_updated": report.skus_updated,
            "stock_rows_changed": report.stock_rows_changed,
        },
    )


def product_export_csv(*, out) -> int:
    """Write the whole catalogue as CSV to the text stream ``out``; returns the data rows.

    The file imports back unchanged (same columns; one stock/safety column per warehouse).
    """
    from suppliers.catalogue_csv import catalogue_csv_write
    from suppliers.selectors import catalogue_export_rows
    from supplychain.models import Warehouse

    return catalogue_csv_write(
        out, products=catalogue_export_rows(), warehouses=list(Warehouse.objects.order_by("code"))
    )


# --- The product page: product and SKU rows in one transaction -----------------------------------


@dataclass
class SkuInput:
    """One SKU row of the product page; ``sku_id`` None creates a SKU."""

    sku_id: int | None
    code: str
    supply_price: Decimal
    suggested_retail_price: Decimal
    min_resale_price: Decimal
    barcode: str = ""
    variant: dict = dataclasses.field(default_factory=dict)
    moq: int | None = None
    is_active: bool = True


class ProductEditError(Exception):
    """The product page could not be saved; nothing was. Errors for the product and per row."""

    def __init__(
        self,
        *,
        product_error: ValidationError | None = None,
        row_errors: dict[int, ValidationError] | None = None,
    ):
        self.product_error = product_error
        self.row_errors = row_errors or {}
        super().__init__(str(product_error or self.row_errors))


def product_save(
    *, actor: User | None, product: Product | None, fields: dict, skus: list[SkuInput]
) -> Product:
    """Create (``product`` None) or update a product and its SKU rows: all of it or nothing."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                if product is None:
                    product = product_create(actor=actor, **fields)
                else:
                    product = product_update(actor=actor, product=product, **fields)
        except ValidationError as error:
            raise ProductEditError(product_error=error) from None
        existing = {sku.pk: sku for sku in product.skus.all()}
        row_errors: dict[int, ValidationError] = {}
        for index, row in enumerate(skus):
            values = {
                "code": row.code,
                "barcode": row.barcode,
                "variant": row.variant,
                "supply_price": row.supply_price,
                "suggested_retail_price": row.suggested_retail_price,
                "min_resale_price": row.min_resale_price,
                "moq": row.moq,
                "is_active": row.is_active,
            }
            try:
                with transaction.atomic():
                    if row.sku_id is None:
                        sku_create(actor=actor, product=product, **values)
                    elif row.sku_id in existing:
                        sku_update(actor=actor, sku=existing[row.sku_id], **values)
                    else:
                        raise ValidationError(_("This SKU does not belong to the product."))
            except ValidationError as error:
                row_errors[index] = error
            except IntegrityError:
                row_errors[index] = ValidationError(
                    _("This SKU clashes with another one (code, barcode or variant).")
                )
        if row_errors:
            raise ProductEditError(row_errors=row_errors)
    return product
