"""Every write to warehouses and stock levels (supplier schema).

Stock rows are locked with ``SELECT … FOR UPDATE`` in primary-key order, so two edits that
touch the same rows cannot deadlock. ``reserved`` is never written here: the order flow
owns it (a conditional UPDATE). The database refuses ``reserved > on_hand`` whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from suppliers.models import Sku
from supplychain.models import StockLevel, Warehouse
from supplychain.sync import stock_changed

WAREHOUSE_EDITABLE = (
    "code",
    "name",
    "province",
    "city",
    "address",
    "contact_name",
    "contact_phone",
    "is_active",
)


@transaction.atomic
def warehouse_create(*, actor: User | None, code: str, name: str, **fields) -> Warehouse:
    unknown = set(fields) - set(WAREHOUSE_EDITABLE)
    if unknown:
        raise TypeError(f"warehouse_create cannot set {sorted(unknown)}")
    warehouse = Warehouse(code=code.strip(), name=name.strip(), **fields)
    warehouse.full_clean()
    warehouse.save()
    audit_record(
        actor=actor,
        action="warehouse.created",
        target=warehouse,
        data={"code": warehouse.code, "name": warehouse.name},
    )
    return warehouse


@transaction.atomic
def warehouse_update(*, actor: User | None, warehouse: Warehouse, **changes) -> Warehouse:
    unknown = set(changes) - set(WAREHOUSE_EDITABLE)
    if unknown:
        raise TypeError(f"warehouse_update cannot change {sorted(unknown)}")
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    changed = [field for field, value in changes.items() if getattr(warehouse, field) != value]
    if not changed:
        return warehouse
    for field in changed:
        setattr(warehouse, field, changes[field])
    warehouse.full_clean()
    warehouse.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="warehouse.updated",
        target=warehouse,
        data={"code": warehouse.code, "fields": changed},
    )
    if "is_active" in changed:  # its stock counts (or stops counting) as available
        rows = list(StockLevel.objects.filter(warehouse=warehouse).values_list("pk", "sku_id"))
        stock_changed(stock_level_ids=[pk for pk, _ in rows], sku_ids=[sku for _, sku in rows])
    return warehouse


@dataclass(frozen=True)
class StockEntry:
    """A wanted state of one stock row; ``None`` leaves that quantity as it is."""

    sku_id: int
    warehouse_id: int
    on_hand: int | None = None
    safety_stock: int | None = None


class StockError(ValidationError):
    """Some stock rows cannot take the wanted quantities; nothing was saved.

    ``row_errors`` maps (sku_id, warehouse_id) to messages.
    """

    def __init__(self, row_errors: dict[tuple[int, int], list[str]]):
        self.row_errors = row_errors
        super().__init__([m for messages in row_errors.values() for m in messages])


def _rows_locked(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """The stock rows of ``pairs`` (created empty when missing), locked in primary-key order."""
    if not pairs:
        return {}
    StockLevel.objects.bulk_create(
        [StockLevel(sku_id=sku_id, warehouse_id=wh_id) for sku_id, wh_id in sorted(pairs)],
        ignore_conflicts=True,
    )
    sku_ids = {sku_id for sku_id, _ in pairs}
    warehouse_ids = {wh_id for _, wh_id in pairs}
    rows = (
        StockLevel.objects.select_for_update()
        .filter(sku_id__in=sku_ids, warehouse_id__in=warehouse_ids)
        .order_by("pk")
    )
    return {
        (row.sku_id, row.warehouse_id): row
        for row in rows
        if (row.sku_id, row.warehouse_id) in pairs
    }


def _check_quantity(value: int | None, label: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, int) or value < 0:
        return _("%(label)s must be a whole number of 0 or more.") % {"label": label}
    return None


@transaction.atomic
def stock_bulk_set(
    *, actor: User | None, entries: list[StockEntry], reason: str = "manual"
) -> list[StockLevel]:
    """Set on-hand and safety quantities of many rows: all or none. Returns the changed rows."""
    codes = dict(Sku.objects.filter(pk__in={e.sku_id for e in entries}).values_list("pk", "code"))
    warehouse_codes = dict(
        Warehouse.objects.filter(pk__in={e.warehouse_id for e in entries}).values_list("pk", "code")
    )
    row_errors: dict[tuple[int, int], list[str]] = {}
    for entry in entries:
        key = (entry.sku_id, entry.warehouse_id)
        if entry.sku_id not in codes or entry.warehouse_id not in warehouse_codes:
            row_errors.setdefault(key, []).append(_("This SKU or warehouse does not exist."))
        for value, label in (
            (entry.on_hand, _("On hand")),
            (entry.safety_stock, _("Safety stock")),
        ):
            message = _check_quantity(value, label)
            if message:
                row_errors.setdefault(key, []).append(message)
    if row_errors:
        raise StockError(row_errors)

    rows = _rows_locked({(e.sku_id, e.warehouse_id) for e in entries})
    changed: list[tuple[StockLevel, dict]] = []
    for entry in entries:
        key = (entry.sku_id, entry.warehouse_id)
        row = rows[key]
        on_hand = row.on_hand if entry.on_hand is None else entry.on_hand
        safety = row.safety_stock if entry.safety_stock is None else entry.safety_stock
        if on_hand < row.reserved:
            row_errors.setdefault(key, []).append(
                _(
                    "%(sku)s in %(warehouse)s: on hand (%(on_hand)s) cannot be below the "
                    "%(reserved)s units reserved for orders."
                )
                % {
                    "sku": codes[entry.sku_id],
                    "warehouse": warehouse_codes[entry.warehouse_id],
                    "on_hand": on_hand,
                    "reserved": row.reserved,
                }
            )
            continue
        if (on_hand, safety) == (row.on_hand, row.safety_stock):
            continue
        change = {
            "sku": codes[entry.sku_id],
            "warehouse": warehouse_codes[entry.warehouse_id],
            "on_hand": [row.on_hand, on_hand],
            "safety_stock": [row.safety_stock, safety],
        }
        row.on_hand, row.safety_stock = on_hand, safety
        changed.append((row, change))
    if row_errors:
        raise StockError(row_errors)
    now = timezone.now()
    for row, _change in changed:
        row.updated_at = now
    StockLevel.objects.bulk_update(
        [row for row, _change in changed], ["on_hand", "safety_stock", "updated_at"]
    )
    if changed:
        audit_record(
            actor=actor,
            action="stock.set",
            data={"reason": reason, "changes": [change for _row, change in changed]},
        )
        stock_changed(
            stock_level_ids=[row.pk for row, _change in changed],
            sku_ids=[row.sku_id for row, _change in changed],
        )
    return [row for row, _change in changed]


def stock_set(
    *,
    actor: User | None,
    sku: Sku,
    warehouse: Warehouse,
    on_hand: int | None = None,
    safety_stock: int | None = None,
) -> StockLevel:
    """Set the on-hand (and safety) quantity of one SKU in one warehouse."""
    stock_bulk_set(
        actor=actor,
        entries=[StockEntry(sku.pk, warehouse.pk, on_hand=on_hand, safety_stock=safety_stock)],
    )
    return StockLevel.objects.get(sku_id=sku.pk, warehouse_id=warehouse.pk)


@transaction.atomic
def stock_adjust(
    *, actor: User | None, sku: Sku, warehouse: Warehouse, delta: int, reason: str
) -> StockLevel:
    """Add (or with a negative ``delta`` remove) on-hand units, e.g. a goods receipt or a count."""
    row = _rows_locked({(sku.pk, warehouse.pk)})[(sku.pk, warehouse.pk)]
    on_hand = row.on_hand + delta
    if on_hand < row.reserved:
        raise StockError(
            {
                (sku.pk, warehouse.pk): [
                    _(
                        "Removing %(qty)s would leave %(on_hand)s on hand, below the %(reserved)s "
                        "units reserved for orders."
                    )
                    % {"qty": -delta, "on_hand": on_hand, "reserved": row.reserved}
                ]
            }
        )
    row.on_hand = on_hand
    row.updated_at = timezone.now()
    row.save(update_fields=["on_hand", "updated_at"])
    audit_record(
        actor=actor,
        action="stock.adjusted",
        target=row,
        data={"sku": sku.code, "warehouse": warehouse.code, "delta": delta, "reason": reason},
    )
    stock_changed(stock_level_ids=[row.pk], sku_ids=[sku.pk])
    return row


def stock_bulk_update(
    *, actor: User | None, warehouse: Warehouse, changes: dict[int, dict[str, int]]
) -> int:
    """The stock page's bulk edit: {sku_id: {"on_hand": n, "safety_stock": m}} in one warehouse."""
    entries = [
        StockEntry(
            sku_id=sku_id,
            warehouse_id=warehouse.pk,
            on_hand=values.get("on_hand"),
            safety_stock=values.get("safety_stock"),
        )
        for sku_id, values in changes.items()
    ]
    return len(stock_bulk_set(actor=actor, entries=entries, reason="bulk edit"))
