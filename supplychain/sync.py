"""Stock batches from the supplier's ERP (API) or a CSV upload, and what follows every stock write.

A batch is ``sync_id`` plus rows ``{"sku": <SKU code>, "warehouse": <warehouse code>,
"on_hand": <int>}``. ``stock_sync_apply``:

* checks EVERY row first (unknown SKU or warehouse, a quantity that is not a whole number of 0
  or more, the same SKU and warehouse twice, on hand below what is reserved for orders) and
  rejects the whole batch with the list of problems (row index from 0, field, message):
  nothing is applied;
* applies a ``sync_id`` once: the batch is recorded (``StockSyncBatch``, unique ``sync_id``) in
  the transaction that applies it, and a repeat — even a concurrent one — gets the original
  result with ``"duplicate": true`` and changes nothing;
* sets ``on_hand`` set-based (one locking SELECT in id order, one UPDATE for all rows), then
  ``stock_changed``: low-stock alerts and the debounced sync of the supply catalogue.

``stock_changed`` is the ONE call every stock write path makes (supplychain.services as well).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from suppliers.models import Sku
from suppliers.publishing import offer_sync_schedule
from supplychain.alerts import low_stock_evaluate
from supplychain.models import ApiToken, StockLevel, StockSyncBatch, StockSyncSource, Warehouse

MAX_BATCH_ROWS = 10_000
MAX_CSV_BYTES = 2 * 1024 * 1024
SYNC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")
AUDIT_CHANGES_MAX = 50
CSV_COLUMNS = ("sku", "warehouse", "on_hand")


def stock_changed(
    *, stock_level_ids: Iterable[int], sku_ids: Iterable[int], published: bool = False
) -> None:
    """What follows every change of stock rows, in the writer's transaction: low-stock alerts
    for these rows, and the supply catalogue sync of their products after commit.
    ``published``: the caller knows these SKUs are in the supply catalogue (a checkout read
    them there), so the sync need not look it up."""
    stock_level_ids, sku_ids = list(stock_level_ids), set(sku_ids)
    if stock_level_ids:
        low_stock_evaluate(stock_level_ids=stock_level_ids)
    if sku_ids:
        offer_sync_schedule(sku_ids=sku_ids, stock_only=True, published=published)


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # index in ``items`` from 0; None for the batch itself
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


class StockSyncRejected(Exception):
    """The batch has problems; nothing was applied."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class StockSyncResult:
    sync_id: str
    rows: int
    changed: int
    applied_at: str
    duplicate: bool = False
    source: str = StockSyncSource.API
    changes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sync_id": self.sync_id,
            "applied": True,
            "duplicate": self.duplicate,
            "rows": self.rows,
            "changed": self.changed,
            "unchanged": self.rows - self.changed,
            "applied_at": self.applied_at,
        }


def _duplicate(batch: StockSyncBatch) -> StockSyncResult:
    result = batch.result or {}
    return StockSyncResult(
        sync_id=batch.sync_id,
        rows=result.get("rows", batch.rows),
        changed=result.get("changed", batch.changed),
        applied_at=result.get("applied_at", batch.created_at.isoformat()),
        duplicate=True,
        source=batch.source,
    )


def _quantity(value) -> int | None:
    """A whole number of 0 or more (an int, or digits as text as in CSV files), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def sync_id_problem(sync_id) -> RowProblem | None:
    if not isinstance(sync_id, str) or not SYNC_ID_RE.match(sync_id):
        return RowProblem(
            None,
            "sync_id",
            _(
                "A sync id has 1 to 64 letters, digits, dots, colons, hyphens and underscores, "
                "and starts with a letter or digit."
            ),
        )
    return None


def stock_sync_apply(
    *,
    sync_id: str,
    items: list,
    source: str = StockSyncSource.API,
    actor: User | None = None,
    token: ApiToken | None = None,
) -> StockSyncResult:
    """Apply a stock batch as a whole, once per ``sync_id``; StockSyncRejected lists problems."""
    problems = []
    if problem := sync_id_problem(sync_id):
        problems.append(problem)
    if not isinstance(items, list) or not items:
        problems.append(RowProblem(None, "items", _("Send at least one row.")))
    elif len(items) > MAX_BATCH_ROWS:
        problems.append(
            RowProblem(
                None,
                "items",
                _("A batch has at most %(max)s rows; this one has %(n)s. Split it.")
                % {"max": f"{MAX_BATCH_ROWS:,}", "n": f"{len(items):,}"},
            )
        )
    if problems:
        raise StockSyncRejected(problems)

    previous = StockSyncBatch.objects.filter(sync_id=sync_id).first()
    if previous is not None:
        return _duplicate(previous)
    try:
        with transaction.atomic():
            # Recorded first: a concurrent request with the same sync id waits here for this
            # one to commit, then fails on the unique key and answers "duplicate".
            batch = StockSyncBatch.objects.create(
                sync_id=sync_id,
                source=source,
                rows=len(items),
                token=token,
                created_by=actor if actor is not None and actor.pk else None,
            )
            return _apply(batch=batch, items=items, actor=actor, token=token)
    except IntegrityError:
        previous = StockSyncBatch.objects.filter(sync_id=sync_id).first()
        if previous is None:
            raise
        return _duplicate(previous)


def _apply(
    *, batch: StockSyncBatch, items: list, actor: User | None, token: ApiToken | None
) -> StockSyncResult:
    problems: list[RowProblem] = []
    rows: list[tuple[int, str, str, int]] = []  # (index, sku code, warehouse code, on_hand)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(
                RowProblem(index, "", _("A row is an object with sku, warehouse and on_hand."))
            )
            continue
        sku, warehouse, on_hand = (
            _text(item.get("sku")),
            _text(item.get("warehouse")),
            _quantity(item.get("on_hand")),
        )
        if sku is None:
            problems.append(RowProblem(index, "sku", _("The SKU code is missing.")))
        if warehouse is None:
            problems.append(RowProblem(index, "warehouse", _("The warehouse code is missing.")))
        if on_hand is None:
            problems.append(
                RowProblem(index, "on_hand", _("On hand must be a whole number of 0 or more."))
            )
        if sku is not None and warehouse is not None and on_hand is not None:
            rows.append((index, sku, warehouse, on_hand))

    sku_ids = dict(
        Sku.objects.filter(code__in=_texts({row[1] for row in rows})).values_list("code", "pk")
    )
    warehouse_ids = dict(
        Warehouse.objects.filter(code__in=_texts({row[2] for row in rows})).values_list(
            "code", "pk"
        )
    )
    wanted: dict[tuple[int, int], tuple[int, int]] = {}  # (sku id, wh id) -> (index, on_hand)
    for index, sku, warehouse, on_hand in rows:
        known = True
        if sku not in sku_ids:
            problems.append(
                RowProblem(
                    index, "sku", _("There is no SKU with the code “%(code)s”.") % {"code": sku}
                )
            )
            known = False
        if warehouse not in warehouse_ids:
            problems.append(
                RowProblem(
                    index,
                    "warehouse",
                    _("There is no warehouse with the code “%(code)s”.") % {"code": warehouse},
                )
            )
            known = False
        if not known:
            continue
        key = (sku_ids[sku], warehouse_ids[warehouse])
        if key in wanted:
            problems.append(
                RowProblem(
                    index,
                    "sku",
                    _("%(sku)s in %(warehouse)s appears more than once in this batch.")
                    % {"sku": sku, "warehouse": warehouse},
                )
            )
            continue
        wanted[key] = (index, on_hand)
    if problems:
        raise StockSyncRejected(sorted(problems, key=_problem_order))

    levels = _levels_locked(set(wanted))
    codes = {pk: code for code, pk in sku_ids.items()}
    warehouse_codes = {pk: code for code, pk in warehouse_ids.items()}
    updates: list[tuple[int, int]] = []
    changes = []
    for key, (level_id, on_hand_before, reserved) in levels.items():
        index, on_hand = wanted[key]
        if on_hand < reserved:
            problems.append(
                RowProblem(
                    index,
                    "on_hand",
                    _(
                        "%(sku)s in %(warehouse)s: on hand (%(on_hand)s) cannot be below the "
                        "%(reserved)s units reserved for orders."
                    )
                    % {
                        "sku": codes[key[0]],
                        "warehouse": warehouse_codes[key[1]],
                        "on_hand": on_hand,
                        "reserved": reserved,
                    },
                )
            )
        elif on_hand != on_hand_before:
            updates.append((level_id, on_hand))
            if len(changes) < AUDIT_CHANGES_MAX:
                changes.append(
                    {
                        "sku": codes[key[0]],
                        "warehouse": warehouse_codes[key[1]],
                        "on_hand": [on_hand_before, on_hand],
                    }
                )
    if problems:
        raise StockSyncRejected(sorted(problems, key=_problem_order))

    now = timezone.now()
    changed_rows: list[tuple[int, int]] = []
    if updates:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE "{StockLevel._meta.db_table}" s
                SET on_hand = v.on_hand, updated_at = %s
                FROM unnest(%s::bigint[], %s::integer[]) AS v(id, on_hand)
                WHERE s.id = v.id
                RETURNING s.id, s.sku_id
                """,
                [now, [pk for pk, _ in updates], [qty for _, qty in updates]],
            )
            changed_rows = cursor.fetchall()
    result = StockSyncResult(
        sync_id=batch.sync_id,
        rows=len(items),
        changed=len(changed_rows),
        applied_at=now.isoformat(),
        source=batch.source,
    )
    batch.changed = result.changed
    batch.result = result.as_dict()
    batch.save(update_fields=["changed", "result"])
    audit_record(
        actor=actor,
        actor_label=None if actor is not None else (f"API: {token}" if token else "system"),
        action="stock.synced",
        target=batch,
        data={
            "sync_id": batch.sync_id,
            "source": batch.source,
            "rows": result.rows,
            "changed": result.changed,
            "changes": changes,
            "more_changes": max(0, result.changed - len(changes)),
        },
    )
    if changed_rows:
        stock_changed(
            stock_level_ids=[pk for pk, _ in changed_rows],
            sku_ids=[sku_id for _, sku_id in changed_rows],
        )
    return result


def _texts(values: Iterable[str]) -> RawSQL:
    """``code__in=_texts(codes)``: thousands of codes as ONE array parameter."""
    return RawSQL("SELECT unnest(%s::text[])", [list(values)])


def _problem_order(problem: RowProblem):
    return (-1 if problem.row is None else problem.row, problem.field)


def _levels_locked(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """{(sku id, warehouse id): (stock row id, on hand, reserved)} for ``pairs``, rows locked in
    id order (created empty where missing), so concurrent writers cannot deadlock."""
    if not pairs:
        return {}
    table = StockLevel._meta.db_table
    # Find the rows by the (sku, warehouse) index, one probe per pair (OFFSET 0 keeps PostgreSQL
    # from turning this into a scan of the whole table), then lock them by id, in id order.
    find = f"""
        SELECT s.id FROM unnest(%s::bigint[], %s::bigint[]) AS v(sku_id, warehouse_id)
        CROSS JOIN LATERAL (
            SELECT x.id FROM "{table}" x
            WHERE x.sku_id = v.sku_id AND x.warehouse_id = v.warehouse_id OFFSET 0
        ) s
    """
    lock = f"""
        SELECT id, sku_id, warehouse_id, on_hand, reserved FROM "{table}"
        WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE
    """
    with connection.cursor() as cursor:
        cursor.execute(find, [[sku for sku, _wh in pairs], [wh for _sku, wh in pairs]])
        cursor.execute(lock, [[row[0] for row in cursor.fetchall()]])
        found = {(sku, wh): (pk, on_hand, reserved) for pk, sku, wh, on_hand, reserved in cursor}
        missing = sorted(pairs - set(found))
        if missing:
            now = timezone.now()
            StockLevel.objects.bulk_create(
                [StockLevel(sku_id=sku, warehouse_id=wh, updated_at=now) for sku, wh in missing],
                ignore_conflicts=True,
            )
            cursor.execute(find, [[sku for sku, _wh in missing], [wh for _sku, wh in missing]])
            cursor.execute(lock, [[row[0] for row in cursor.fetchall()]])
            found.update(
                {(sku, wh): (pk, on_hand, reserved) for pk, sku, wh, on_hand, reserved in cursor}
            )
    return found


# --- CSV -----------------------------------------------------------------------------------------


@dataclass
class CsvBatch:
    sync_id: str
    items: list
    problems: list[RowProblem]
    lines: list[int] = field(default_factory=list)  # the file's line number of each item

    def line_of(self, row: int | None) -> int | None:
        return self.lines[row] if row is not None and 0 <= row < len(self.lines) else None


def stock_csv_read(*, data: bytes, sync_id: str = "") -> CsvBatch:
    """Rows of a stock CSV (columns sku, warehouse, on_hand; a header line first).

    Without a ``sync_id`` the batch is named after the file's content, so uploading the same
    file twice applies it once. ``lines`` maps each item to its line in the file.
    """
    from suppliers.catalogue_csv import decode

    sync_id = sync_id.strip() or "csv-" + hashlib.sha256(data).hexdigest()[:40]
    if len(data) > MAX_CSV_BYTES:
        return CsvBatch(
            sync_id,
            [],
            [RowProblem(None, "file", _("The file is larger than 2 MB; split it into several."))],
        )
    try:
        text = decode(data)
    except ValueError as error:
        return CsvBatch(sync_id, [], [RowProblem(None, "file", str(error))])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        return CsvBatch(sync_id, [], [RowProblem(None, "file", _("The file is empty."))])
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        return CsvBatch(
            sync_id,
            [],
            [
                RowProblem(
                    None,
                    "file",
                    _(
                        "The first line must name the columns sku, warehouse, on_hand; missing: %(columns)s."
                    )
                    % {"columns": ", ".join(missing)},
                )
            ],
        )
    position = {column: header.index(column) for column in CSV_COLUMNS}
    items, lines = [], []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            lines.append(reader.line_num)
            items.append(
                {
                    column: values[position[column]] if position[column] < len(values) else ""
                    for column in CSV_COLUMNS
                }
            )
    except csv.Error as error:
        return CsvBatch(sync_id, [], [RowProblem(None, "file", str(error))])
    return CsvBatch(sync_id, items, [], lines)
