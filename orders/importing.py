"""Bulk import of orders from a CSV file (the dealer backoffice, dealer schema).

Columns (header row required, any order)::

    order_ref,buyer_email_or_mobile,sku,quantity,address_id,shipping_method,payment_method,note

Rows with the same ``order_ref`` make one order. ``address_id`` (default: the company's default
address), ``shipping_method`` (a name; default: the first active method), ``payment_method``
(``bank_transfer``, ``on_account``, ``online`` or their label; default: bank transfer) and
``note`` are per order: give them on the order's first row, or repeat the same value.

All or nothing, twice over:

1. ``import_read`` checks the WHOLE file first (buyers, SKUs among this dealer's listed offers,
   quantities, addresses, MOQ and stock through ``quote_build``) and reports every problem by
   row number (the header is row 1). One bad row: nothing is imported.
2. ``orders_import`` then places every order in ONE transaction; each ``order_place`` is a
   savepoint inside it, and a failure of any (stock taken in the meantime) rolls all back.

Each order's idempotency key is a hash of the file's bytes and its ``order_ref``: the same
file uploaded twice places its orders once; the second upload reports them as imported before.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from buyers.models import Address, Buyer
from channels.selectors import current_dealer_id
from orders.models import Order, OrderChannel, PaymentMethod, ShippingMethod
from orders.quote import MAX_LINES, MAX_QUANTITY, quote_build
from orders.selectors_dealer import buyers_by_login, orders_by_keys, sku_codes_resolve
from orders.workflow.checkout import NOTE_MAX, CheckoutError, CheckoutRequest, order_place
from suppliers.catalogue_csv import decode

COLUMNS = (
    "order_ref",
    "buyer_email_or_mobile",
    "sku",
    "quantity",
    "address_id",
    "shipping_method",
    "payment_method",
    "note",
)
REQUIRED = COLUMNS[:4]
ORDER_COLUMNS = ("buyer_email_or_mobile", "address_id", "shipping_method", "payment_method", "note")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
REF_MAX = 64

TEMPLATE_ROWS = (
    ("PO-1001", "buyer@example.com", "SKU-CODE-1", "2", "", "", "bank_transfer", "请周一送货"),
    ("PO-1001", "buyer@example.com", "SKU-CODE-2", "5", "", "", "", ""),
    ("PO-1002", "13800138000", "SKU-CODE-1", "1", "", "", "", ""),
)


@dataclass
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    message: str


@dataclass
class PlannedOrder:
    ref: str
    first_row: int
    buyer: Buyer
    address_id: int | None = None
    shipping_method_id: int | None = None
    payment_method: str = PaymentMethod.BANK_TRANSFER
    note: str = ""
    items: list[tuple[int, int, int]] = field(default_factory=list)  # (offer SKU, qty, row)
    key: str = ""

    def rows_of(self, offer_sku_id: int) -> list[int]:
        return [row for sku, _q, row in self.items if sku == offer_sku_id]

    def request(self, *, actor) -> CheckoutRequest:
        return CheckoutRequest(
            buyer_id=self.buyer.user_id,
            items=tuple((sku, quantity) for sku, quantity, _row in self.items),
            address_id=self.address_id,
            shipping_method_id=self.shipping_method_id,
            payment_method=self.payment_method,
            idempotency_key=self.key,
            note=self.note,
            placed_by_id=actor.pk if actor is not None else None,
            channel=OrderChannel.IMPORT,
            clear_cart=False,
        )


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    orders: list[PlannedOrder] = field(default_factory=list)
    created: list[Order] = field(default_factory=list)
    already: list[Order] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, message: str) -> None:
        self.errors.append(RowError(row=row, message=str(message)))


def template_csv() -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return buffer.getvalue()


def file_key(data: bytes, ref: str) -> str:
    """The idempotency key of order ``ref`` of this file (stable across uploads)."""
    digest = hashlib.sha256(hashlib.sha256(data).hexdigest().encode() + b"\n" + ref.encode())
    return f"imp-{digest.hexdigest()[:56]}"


def _payment_method(text: str) -> str | None:
    value = text.strip()
    if not value:
        return PaymentMethod.BANK_TRANSFER
    for choice, label in PaymentMethod.choices:
        if value.lower() in (choice, str(label).lower()):
            return choice
    # The label in the other language (Chinese file, English page, or the reverse).
    from django.utils import translation

    for language in ("zh-hans", "en"):
        with translation.override(language):
            for choice, label in PaymentMethod.choices:
                if value.lower() == str(label).lower():
                    return choice
    return None


def _rows(data: bytes, report: ImportReport) -> list[tuple[int, dict]]:
    if len(data) > MAX_BYTES:
        report.error(0, _("The file is larger than 2 MB; split it into several files."))
        return []
    try:
        text = decode(data)
    except ValueError as error:
        report.error(0, str(error))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        report.error(
            1,
            _("The header row lacks the column(s) %(columns)s. Download the template to see them.")
            % {"columns": ", ".join(missing)},
        )
        return []
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        rows.append(
            (
                number,
                {
                    name: (values[i].strip() if i < len(values) else "")
                    for i, name in enumerate(header)
                    if name in COLUMNS
                },
            )
        )
        if len(rows) > MAX_ROWS:
            report.error(
                number,
                _("The file has more than %(max)s rows; split it into several files.")
                % {"max": MAX_ROWS},
            )
            return []
    if not rows:
        report.error(0, _("The file has no order rows."))
    return rows


def import_read(data: bytes) -> ImportReport:
    """Check the whole file against this dealer's buyers, store and stock; writes nothing.
    The report's ``orders`` are ready to place when it has no ``errors``."""
    report = ImportReport()
    rows = _rows(data, report)
    report.rows = len(rows)
    if not rows:
        return report
    for name in ORDER_COLUMNS + ("sku",):
        for _number, values in rows:
            values.setdefault(name, "")
    buyers = buyers_by_login({values["buyer_email_or_mobile"] for _n, values in rows})
    skus = sku_codes_resolve(codes={values["sku"] for _n, values in rows})
    methods = list(ShippingMethod.objects.filter(is_active=True).order_by("position", "id"))
    method_by_name = {}
    for method in methods:
        method_by_name.setdefault(method.name.strip().lower(), method)

    orders: dict[str, PlannedOrder] = {}
    firsts: dict[str, dict] = {}
    for number, values in rows:
        ref = values["order_ref"]
        if not ref:
            report.error(
                number, _("order_ref is empty: give every row the reference of its order.")
            )
            continue
        if len(ref) > REF_MAX:
            report.error(
                number, _("order_ref is longer than %(max)s characters.") % {"max": REF_MAX}
            )
            continue
        first = firsts.get(ref)
        if first is not None:
            for name in ORDER_COLUMNS:
                if values[name] and values[name] != first[name]:
                    report.error(
                        number,
                        _(
                            "%(column)s is “%(value)s” here but “%(first)s” on the first row of "
                            "order %(ref)s: one order has one value (leave it empty on later rows)."
                        )
                        % {
                            "column": name,
                            "value": values[name],
                            "first": first[name],
                            "ref": ref,
                        },
                    )
        order = orders.get(ref)
        if first is None:
            firsts[ref] = values
            order = _order_start(report, number, ref, values, buyers, methods, method_by_name)
            if order is not None:
                orders[ref] = order
        _item_add(report, number, values, order, skus)

    report.orders = [order for order in orders.values() if order is not None]
    _addresses_check(report)
    if not report.errors:
        _quotes_check(report)
    report.errors.sort(key=lambda error: error.row)
    if not report.errors:
        for order in report.orders:
            order.key = file_key(data, order.ref)
    return report


def _order_start(report, number, ref, values, buyers, methods, method_by_name):
    ok = True
    login = values["buyer_email_or_mobile"]
    buyer = buyers.get(login.lower() if "@" in login else login)
    if not login:
        report.error(number, _("buyer_email_or_mobile is empty."))
        ok = False
    elif buyer is None:
        report.error(
            number,
            _("No active buyer of yours signs in with “%(login)s”.") % {"login": login},
        )
        ok = False
    elif not buyer.company.is_active:
        report.error(
            number,
            _("The company of buyer “%(login)s” is deactivated.") % {"login": login},
        )
        ok = False
    address_id = None
    if values["address_id"]:
        try:
            address_id = int(values["address_id"])
        except ValueError:
            report.error(
                number,
                _("address_id “%(value)s” is not a number.") % {"value": values["address_id"]},
            )
            ok = False
    method = methods[0] if methods else None
    if values["shipping_method"]:
        method = method_by_name.get(values["shipping_method"].strip().lower())
        if method is None:
            report.error(
                number,
                _("No active shipping method is called “%(name)s”.")
                % {"name": values["shipping_method"]},
            )
            ok = False
    elif method is None:
        report.error(number, _("You have no active shipping method: add one first."))
        ok = False
    payment = _payment_method(values["payment_method"])
    if payment is None:
        report.error(
            number,
            _("payment_method “%(value)s” is not one of bank_transfer, on_account, online.")
            % {"value": values["payment_method"]},
        )
        ok = False
    elif payment == PaymentMethod.ON_ACCOUNT and buyer is not None and not buyer.company.on_account:
        report.error(
            number,
            _("%(company)s has not been granted payment on account.")
            % {"company": buyer.company.name},
        )
        ok = False
    if len(values["note"]) > NOTE_MAX:
        report.error(number, _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX})
        ok = False
    if not ok:
        return None
    return PlannedOrder(
        ref=ref,
        first_row=number,
        buyer=buyer,
        address_id=address_id,
        shipping_method_id=method.pk,
        payment_method=payment,
        note=values["note"],
    )


def _item_add(report, number, values, order, skus) -> None:
    code = values["sku"]
    ids = skus.get(code.upper(), []) if code else []
    if not code:
        report.error(number, _("sku is empty."))
    elif not ids:
        report.error(number, _("SKU “%(code)s” is not sold in your store.") % {"code": code})
    elif len(ids) > 1:
        report.error(
            number,
            _("SKU code “%(code)s” belongs to products of several suppliers in your store.")
            % {"code": code},
        )
    try:
        quantity = int(values["quantity"])
    except ValueError:
        report.error(
            number,
            _("quantity “%(value)s” is not a whole number.") % {"value": values["quantity"]},
        )
        return
    if not 1 <= quantity <= MAX_QUANTITY:
        report.error(number, _("Enter a quantity between 1 and %(max)s.") % {"max": MAX_QUANTITY})
        return
    if order is not None and len(ids) == 1:
        order.items.append((ids[0], quantity, number))
        if len({sku for sku, _q, _r in order.items}) > MAX_LINES:
            report.error(
                number,
                _("Order %(ref)s has more than %(max)s different SKUs.")
                % {"ref": order.ref, "max": MAX_LINES},
            )


def _addresses_check(report: ImportReport) -> None:
    """Each order's address: the one given (of the buyer's company), else the default (one
    query for all)."""
    companies = {order.buyer.company_id for order in report.orders}
    addresses = list(Address.objects.filter(company_id__in=companies))
    by_id = {address.pk: address for address in addresses}
    defaults = {address.company_id: address for address in addresses if address.is_default}
    for order in report.orders:
        company_id = order.buyer.company_id
        if order.address_id is not None:
            address = by_id.get(order.address_id)
            if address is None or address.company_id != company_id:
                report.error(
                    order.first_row,
                    _("Address %(id)s is not in the address book of %(company)s.")
                    % {"id": order.address_id, "company": order.buyer.company.name},
                )
        elif company_id in defaults:
            order.address_id = defaults[company_id].pk
        else:
            report.error(
                order.first_row,
                _("%(company)s has no default address: give an address_id.")
                % {"company": order.buyer.company.name},
            )


def _quotes_check(report: ImportReport) -> None:
    """Prices, MOQ and stock of each order as the checkout will see them."""
    dealer_id = current_dealer_id()
    for order in report.orders:
        quote = quote_build(
            dealer_id=dealer_id, items=[(sku, quantity) for sku, quantity, _row in order.items]
        )
        for offer_sku_id, message in quote.line_errors.items():
            for row in order.rows_of(offer_sku_id):
                report.error(row, message)


class _Rollback(Exception):
    pass


def orders_import(*, data: bytes, actor) -> ImportReport:
    """Check the file, then place all its orders in one transaction (or none)."""
    report = import_read(data)
    if not report.ok:
        return report
    existing = orders_by_keys([order.key for order in report.orders])
    report.already = [existing[o.key] for o in report.orders if o.key in existing]
    todo = [order for order in report.orders if order.key not in existing]
    if not todo:
        return report
    try:
        with transaction.atomic():
            for planned in todo:
                try:
                    order, created = order_place(planned.request(actor=actor))
                except CheckoutError as error:
                    _checkout_error_report(report, planned, error)
                    raise _Rollback from error
                (report.created if created else report.already).append(order)
    except _Rollback:
        report.created = []
        report.errors.sort(key=lambda error: error.row)
    return report


def _checkout_error_report(report: ImportReport, planned: PlannedOrder, error: CheckoutError):
    for offer_sku_id, message in error.line_errors.items():
        for row in planned.rows_of(offer_sku_id) or [planned.first_row]:
            report.error(row, message)
    for name, message in error.field_errors.items():
        report.error(planned.first_row, f"{name}: {message}")
    if not error.line_errors and not error.field_errors:
        report.error(
            planned.first_row,
            _("Order %(ref)s: %(message)s") % {"ref": planned.ref, "message": str(error)},
        )
