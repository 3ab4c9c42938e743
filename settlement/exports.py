"""A statement's drill-down as a table: one row per settled order line, clawback, rebate,
override commission and task reward, and a totals row whose amount is the statement's net.

The same rows feed the CSV (streamed, UTF-8 with a BOM so Excel reads the Chinese text) and the
XLSX (openpyxl in write-only mode: rows are written out as they come, so a statement of many
thousand lines never builds a workbook in memory). Lines are read in chunks.

Columns differ by party: a dealer sees what the buyers paid, the supply cost and its margin; a
supplier sees its supply amounts and fees only (what the dealer sold at is the dealer's
business).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from settlement import selectors
from settlement.models import PartyKind, Statement

CHUNK = 2000


def _header(party: str) -> list[str]:
    if party == PartyKind.DEALER:
        return [
            _("Kind"),
            _("Order"),
            _("Supplier"),
            _("SKU"),
            _("Quantity"),
            _("Sales"),
            _("Supply cost"),
            _("Service fee"),
            _("Your earnings"),
        ]
    return [
        _("Kind"),
        _("Order"),
        _("Dealer"),
        _("SKU"),
        _("Quantity"),
        _("Supply amount"),
        _("Service fee"),
        _("Owed to you"),
    ]


def _fee(fee: Decimal, fee_payer: str, party: str) -> Decimal:
    """The part of a fee the party pays: all of it when it is charged to the party."""
    return fee if fee_payer == party else Decimal("0.00")


def _minus(value: Decimal) -> Decimal:
    """The negative of an amount, without a "-0.00" for zero."""
    return Decimal("0.00") - value


def _order_number(route, party: str) -> str:
    return route.dealer_order_number if party == PartyKind.DEALER else route.supplier_order_number


def _platform_rows(statement: Statement) -> Iterator[list]:
    """The platform's statement: the service fee of every line settled in the run, the fees
    given back with clawbacks, the task rewards paid; the total is the statement's net."""
    from django.db.models import OuterRef, Subquery

    from settlement.models import Adjustment, Reward, SettledLine
    from tenants.models import Tenant

    def name(column):
        return Subquery(Tenant.objects.filter(pk=OuterRef(column)).values("name")[:1])

    yield [
        _("Kind"),
        _("Order"),
        _("Dealer"),
        _("Supplier"),
        _("SKU"),
        _("Quantity"),
        _("Sales"),
        _("Service fee"),
    ]
    sales_total = fee_total = Decimal("0.00")
    lines = (
        SettledLine.objects.filter(run_id=statement.run_id)
        .select_related("route_line__route")
        .annotate(dealer_name=name("dealer_id"), supplier_name=name("supplier_id"))
        .order_by("pk")
    )
    for line in lines.iterator(chunk_size=CHUNK):
        sales_total += line.sales
        fee_total += line.fee
        yield [
            _("Order line"),
            line.route_line.route.dealer_order_number,
            line.dealer_name,
            line.supplier_name,
            line.route_line.sku_code,
            line.route_line.quantity,
            line.sales,
            line.fee,
        ]
    adjustments = (
        Adjustment.objects.filter(run_id=statement.run_id)
        .select_related("route_line__route")
        .annotate(dealer_name=name("dealer_id"), supplier_name=name("supplier_id"))
        .order_by("pk")
    )
    for adjustment in adjustments.iterator(chunk_size=CHUNK):
        sales_total -= adjustment.refund
        fee_total -= adjustment.fee
        yield [
            _("Clawback of a refund"),
            adjustment.route_line.route.dealer_order_number,
            adjustment.dealer_name,
            adjustment.supplier_name,
            adjustment.route_line.sku_code,
            None,
            _minus(adjustment.refund),
            _minus(adjustment.fee),
        ]
    rewards = (
        Reward.objects.filter(run_id=statement.run_id)
        .select_related("rule")
        .annotate(dealer_name=name("dealer_id"))
        .order_by("pk")
    )
    for reward in rewards:
        fee_total -= reward.amount
        yield [
            _("Task reward"),
            None,
            reward.dealer_name,
            None,
            reward.rule.name,
            None,
            None,
            _minus(reward.amount),
        ]
    yield [_("Total"), None, None, None, None, None, sales_total, fee_total]


def statement_rows(statement: Statement) -> Iterator[list]:
    """The header, one row per movement, then the totals row. Money cells are ``Decimal``,
    cells that do not apply ``None``."""
    party = statement.party
    if party == PartyKind.PLATFORM:
        yield from _platform_rows(statement)
        return
    dealer = party == PartyKind.DEALER
    yield _header(party)
    width = 9 if dealer else 8
    totals = [Decimal("0.00")] * width

    def row(kind, order, counterparty, sku, quantity, money: list) -> list:
        cells = [kind, order, counterparty, sku, quantity, *money]
        for index, value in enumerate(money, start=5):
            if value is not None:
                totals[index] += value
        return cells

    for line in selectors.statement_lines(statement=statement).iterator(chunk_size=CHUNK):
        route_line = line.route_line
        fee = _fee(line.fee, line.fee_payer, party)
        money = (
            [line.sales, line.supply, fee, line.margin]
            if dealer
            else [line.supply, fee, line.supply - fee]
        )
        yield row(
            _("Order line"),
            _order_number(route_line.route, party),
            line.counterparty,
            route_line.sku_code,
            route_line.quantity,
            money,
        )
    for adjustment in selectors.statement_adjustments(statement=statement).iterator(
        chunk_size=CHUNK
    ):
        route_line = adjustment.route_line
        fee = _fee(adjustment.fee, adjustment.fee_payer, party)
        money = [
            _minus(value)
            for value in (
                [adjustment.refund, adjustment.supply, fee, adjustment.margin]
                if dealer
                else [adjustment.supply, fee, adjustment.supply - fee]
            )
        ]
        yield row(
            _("Clawback of a refund"),
            _order_number(route_line.route, party),
            adjustment.counterparty,
            route_line.sku_code,
            None,
            money,
        )
    for rebate in selectors.statement_rebates(statement=statement):
        amount = rebate.amount if dealer else _minus(rebate.amount)
        blanks = [None] * (3 if dealer else 2)
        yield row(_("Rebate"), None, rebate.counterparty, None, None, [*blanks, amount])
    overrides = selectors.statement_overrides(statement=statement)
    for override in overrides["earned"]:
        yield row(
            _("Override commission earned"),
            None,
            override.sub_dealer_name,
            None,
            None,
            [None, None, None, override.amount],
        )
    for override in overrides["paid"]:
        yield row(
            _("Override commission to your upper dealer"),
            None,
            None,
            None,
            None,
            [None, None, None, _minus(override.amount)],
        )
    for reward in selectors.statement_rewards(statement=statement):
        yield row(
            _("Task reward"), None, reward.rule.name, None, None, [None, None, None, reward.amount]
        )
    yield [_("Total"), None, None, None, None, *totals[5:]]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


class _Echo:
    def write(self, value):
        return value


def statement_csv(statement: Statement) -> Iterator[str]:
    """The CSV, piece by piece, for a ``StreamingHttpResponse``."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel then opens the Chinese text as UTF-8
    for cells in statement_rows(statement):
        yield writer.writerow([_csv_cell(value) for value in cells])


def statement_xlsx(statement: Statement):
    """The XLSX in a temporary file, rewound (the caller streams and closes it)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Statement")[:31])
    bold = Font(bold=True)
    rows = statement_rows(statement)
    header = next(rows)
    sheet.append([_styled(WriteOnlyCell(sheet, value=name), font=bold) for name in header])
    for cells in rows:
        out = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            out.append(cell)
        if cells[0] == _("Total"):
            for cell in out:
                cell.font = bold
        sheet.append(out)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle


def _styled(cell, *, font):
    cell.font = font
    return cell


def export_filename(statement: Statement, extension: str) -> str:
    return f"statement-{statement.run.period_start:%Y%m%d}-{statement.run.kind}-{statement.pk}.{extension}"
