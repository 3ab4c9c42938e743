"""Placing an order: one buyer order → one supplier order per supplier, in one transaction.

``order_place`` runs in the dealer's schema (the storefront request, the dealer's 代下单 or
import). In ONE PostgreSQL transaction it writes:

0. (paying on account) nothing yet: it locks the buyer's company row and checks the credit
   left, so two of the company's buyers cannot both spend the same credit;
1. the dealer's ``Order`` row (its unique idempotency key makes a doubled submission wait here
   for the first one and then return the same order);
2. per supplier, in ascending tenant id, in the supplier's schema: its stock rows for the
   ordered SKUs locked in ascending primary key (``SELECT … FOR UPDATE``) and reserved by a
   conditional ``UPDATE … WHERE on_hand - reserved >= q`` (the ``reserved <= on_hand`` check
   constraint backs it: no oversell whatever happens);
3. the dealer's splits and lines;
4. per supplier again: the ``SupplierOrder``, its lines and reservations;
5. the public ``OrderRoute`` rows.

Any failure (a line short of stock, a constraint, an error in any schema) rolls all of it
back: no order, no reservation, no route. Short lines are reported per line.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from buyers.models import Address, Buyer, BuyerCompany
from orders.models import (
    InvoiceType,
    Order,
    OrderChannel,
    OrderLine,
    OrderSettings,
    OrderSplit,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ShippingMethod,
    SplitStatus,
)
from orders.models import StatusChange as DealerHistory
from orders.quote import Quote, quote_build
from orders.workflow.common import WorkflowError, current_tenant, in_tenant, next_number
from suppliers.money import money_round
from tenants.models import TenantType

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
NOTE_MAX = 1000


class CheckoutError(WorkflowError):
    """The order cannot be placed as asked; nothing was written.

    ``line_errors``: {SupplyOfferSku id: why that line cannot be ordered};
    ``field_errors``: {checkout field: what is wrong with it}.
    """

    def __init__(self, message: str, *, line_errors=None, field_errors=None):
        super().__init__(message)
        self.line_errors: dict[int, str] = dict(line_errors or {})
        self.field_errors: dict[str, str] = dict(field_errors or {})


class IdempotencyConflict(CheckoutError):
    """The idempotency key was used for a different order."""


@dataclass(frozen=True)
class CheckoutRequest:
    buyer_id: int
    items: tuple[tuple[int, int], ...]  # (SupplyOfferSku id, quantity)
    address_id: int
    shipping_method_id: int
    payment_method: str
    idempotency_key: str
    invoice_type: str = InvoiceType.NONE
    invoice_company: str = ""
    invoice_tax_number: str = ""
    note: str = ""
    placed_by_id: int | None = None
    channel: str = OrderChannel.STOREFRONT
    clear_cart: bool = True

    def fingerprint(self) -> str:
        payload = {
            "buyer": self.buyer_id,
            "items": sorted([int(a), int(b)] for a, b in self.items),
            "address": self.address_id,
            "shipping": self.shipping_method_id,
            "payment": self.payment_method,
            "invoice": [
                self.invoice_type,
                self.invoice_company.strip(),
                self.invoice_tax_number.strip(),
            ],
            "note": self.note.strip(),
            "placed_by": self.placed_by_id,
            "channel": self.channel,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class _Allocation:
    """One supplier's part while it is being placed."""

    supplier_id: int
    supplier_name: str
    lines: list = field(default_factory=list)  # QuoteLines
    takes: dict = field(default_factory=dict)  # offer_sku_id -> [(stock_level_id, qty)]
    supply_prices: dict = field(default_factory=dict)  # offer_sku_id -> Decimal
    order_id: int = 0
    order_number: str = ""
    supplier: object = None  # the supplier's Tenant, read once


def shipping_fee(method: ShippingMethod, *, goods_total: Decimal, items: int) -> Decimal:
    if method.free_over is not None and goods_total >= method.free_over:
        return Decimal("0.00")
    return money_round(method.base_fee + method.per_item_fee * items)


def _existing(key: str, fingerprint: str) -> Order | None:
    order = Order.objects.filter(idempotency_key=key).first()
    if order is not None and order.fingerprint != fingerprint:
        raise IdempotencyConflict(
            _(
                "This checkout was already submitted with different contents. Reload the "
                "checkout page and submit again."
            )
        )
    return order


def order_place(request: CheckoutRequest) -> tuple[Order, bool]:
    """Place the order; returns ``(order, created)``. ``created`` is False when the same
    idempotency key already placed it (a double click, a retried request). A created order
    carries ``placed_parts``: [(OrderSplit, [OrderLine, ...])] as written.

    Raises ``CheckoutError`` (nothing written) with what is wrong, per line or per field.
    """
    dealer = current_tenant()
    if dealer.type != TenantType.DEALER:
        raise RuntimeError("orders are placed in a dealer's schema")
    if not IDEMPOTENCY_KEY_RE.match(request.idempotency_key or ""):
        raise CheckoutError(_("This checkout form has expired. Reload the page and try again."))
    fingerprint = request.fingerprint()
    existing = _existing(request.idempotency_key, fingerprint)
    if existing is not None:
        return existing, False

    buyer, company, address, method = _parties(request)
    quote = quote_build(dealer_id=dealer.pk, items=list(request.items))
    if not quote.lines:
        raise CheckoutError(_("Your order has no items."))
    if quote.has_errors:
        raise CheckoutError(
            _("Some items cannot be ordered as they are: see the marked lines."),
            line_errors=quote.line_errors,
        )
    goods_total = quote.goods_total
    fee = shipping_fee(method, goods_total=goods_total, items=quote.item_count)
    total = goods_total + fee
    payment_status, payment_due = _payment_terms(request, company)
    _invoice_check(request)
    settings = OrderSettings.current()
    split_status = SplitStatus.HELD if settings.review_orders else SplitStatus.PENDING

    try:
        with transaction.atomic():
            if payment_status == PaymentStatus.ON_ACCOUNT:
                _credit_hold(company, total)
            order = _order_insert(
                request,
                fingerprint,
                buyer,
                company,
                address,
                method,
                goods_total,
                fee,
                payment_status,
                payment_due,
                split_status,
            )
            allocations = _reserve(quote)
            lines = _dealer_lines_insert(order, allocations, split_status)
            _supplier_orders_insert(dealer, order, company, allocations, lines, split_status, buyer)
            _routes_insert(dealer, order, allocations, split_status, lines)
            _dealer_after(order, request, buyer, allocations)
    except IntegrityError as error:
        # The same key committed by a concurrent request (we waited on its row): same order.
        if "idempotency_key" in str(error) or "orders_order_idempotency_key" in str(error):
            existing = _existing(request.idempotency_key, fingerprint)
            if existing is not None:
                return existing, False
        raise
    return order, True


def _parties(request: CheckoutRequest):
    buyer_row = (
        Buyer.objects.select_related("user", "company")
        .filter(user_id=request.buyer_id, user__role=Role.BUYER, user__is_active=True)
        .first()
    )
    if buyer_row is None or not buyer_row.company.is_active:
        raise CheckoutError(_("This buyer account cannot place orders."))
    address = Address.objects.filter(pk=request.address_id, company_id=buyer_row.company_id).first()
    method = ShippingMethod.objects.filter(pk=request.shipping_method_id, is_active=True).first()
    errors = {}
    if address is None:
        errors["address"] = _("Choose a shipping address from your address book.")
    if method is None:
        errors["shipping_method"] = _("Choose a shipping method.")
    if request.payment_method not in PaymentMethod.values:
        errors["payment_method"] = _("Choose a payment method.")
    if len(request.note) > NOTE_MAX:
        errors["note"] = _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}
    if errors:
        raise CheckoutError(_("Please correct the marked fields."), field_errors=errors)
    return buyer_row.user, buyer_row.company, address, method


def credit_used(*, company_id: int) -> Decimal:
    """What a company owes on account: its open (not cancelled) on-account orders, less what
    was refunded on them. The one rule of the credit limit (the checkout page shows it too)."""
    outstanding = (
        Order.objects.filter(company_id=company_id, payment_status=PaymentStatus.ON_ACCOUNT)
        .exclude(status=OrderStatus.CANCELLED)
        .aggregate(total=Sum("total"), refunded=Sum("refunded_total"))
    )
    return (outstanding["total"] or Decimal(0)) - (outstanding["refunded"] or Decimal(0))


def _payment_terms(request: CheckoutRequest, company):
    if request.payment_method != PaymentMethod.ON_ACCOUNT:
        return PaymentStatus.UNPAID, None
    if not company.on_account:
        raise CheckoutError(
            _("Your company has not been granted payment on account."),
            field_errors={"payment_method": _("Choose another payment method.")},
        )
    return PaymentStatus.ON_ACCOUNT, timezone.localdate() + timedelta(
        days=company.payment_terms_days
    )


def _credit_hold(company, total: Decimal) -> None:
    """Inside the checkout's transaction, before anything is written: lock the company's row,
    so two of its buyers ordering on account at once are checked one after the other, then
    check the order fits in what is left of the credit limit."""
    locked = BuyerCompany.objects.select_for_update().get(pk=company.pk)
    used = credit_used(company_id=locked.pk)
    if used + total > locked.credit_limit:
        raise CheckoutError(
            _("This order (¥%(total)s) exceeds your remaining credit of ¥%(left)s on account.")
            % {"total": f"{total:,.2f}", "left": f"{max(locked.credit_limit - used, 0):,.2f}"},
            field_errors={"payment_method": _("Choose another payment method.")},
        )


def _invoice_check(request: CheckoutRequest) -> None:
    if request.invoice_type not in InvoiceType.values:
        raise CheckoutError(
            _("Please correct the marked fields."),
            field_errors={"invoice_type": _("Choose an invoice type.")},
        )
    if request.invoice_type == InvoiceType.NONE:
        return
    errors = {}
    if not request.invoice_company.strip():
        errors["invoice_company"] = _("An invoice needs the company name.")
    tax = request.invoice_tax_number.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{15,20}", tax):
        errors["invoice_tax_number"] = _("Enter the 15 to 20 character taxpayer number.")
    if errors:
        raise CheckoutError(_("Please correct the marked fields."), field_errors=errors)


def _order_insert(
    request,
    fingerprint,
    buyer,
    company,
    address,
    method,
    goods_total,
    fee,
    payment_status,
    payment_due,
    split_status,
) -> Order:
    pk, number = next_number("D", Order._meta.db_table)
    status = OrderStatus.REVIEW if split_status == SplitStatus.HELD else OrderStatus.PLACED
    order = Order(
        pk=pk,
        number=number,
        status=status,
        channel=request.channel,
        company=company,
        buyer=buyer,
        placed_by_id=request.placed_by_id,
        idempotency_key=request.idempotency_key,
        fingerprint=fingerprint,
        ship_recipient=address.recipient,
        ship_phone=address.phone,
        ship_address=address.one_line + (f" {address.postcode}" if address.postcode else ""),
        shipping_method=method.name,
        payment_method=request.payment_method,
        payment_status=payment_status,
        payment_due=payment_due,
        invoice_type=request.invoice_type,
        invoice_company=request.invoice_company.strip() if request.invoice_type != "none" else "",
        invoice_tax_number=(
            request.invoice_tax_number.strip().upper() if request.invoice_type != "none" else ""
        ),
        note=request.note.strip(),
        goods_total=goods_total,
        shipping_fee=fee,
        total=goods_total + fee,
    )
    order.save(force_insert=True)
    return order


STOCK_LOCK_SQL = """
    SELECT s.id, s.sku_id, s.on_hand - s.reserved, k.supply_price
    FROM supplychain_stocklevel s
    JOIN supplychain_warehouse w ON w.id = s.warehouse_id
    JOIN suppliers_sku k ON k.id = s.sku_id
    WHERE s.sku_id = ANY(%s::bigint[]) AND w.is_active AND k.is_active
    ORDER BY s.id
    FOR UPDATE OF s
"""

RESERVE_SQL = """
    UPDATE supplychain_stocklevel s
    SET reserved = s.reserved + v.q, updated_at = %s
    FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::integer[]) AS q) v
    WHERE s.id = v.id AND s.on_hand - s.reserved >= v.q
"""


def _reserve(quote: Quote) -> list[_Allocation]:
    """Reserve every line's quantity, supplier by supplier in ascending tenant id; raise
    CheckoutError naming each short line (the transaction then rolls back)."""
    from supplychain.sync import stock_changed

    by_supplier: dict[int, _Allocation] = {}
    for line in quote.lines:
        supplier = line.sku.offer.supplier  # the Tenant row, read with the quote
        if supplier.type != TenantType.SUPPLIER:
            raise WorkflowError(_("This company is not on the platform."))
        allocation = by_supplier.setdefault(
            line.supplier_id,
            _Allocation(
                supplier_id=line.supplier_id, supplier_name=supplier.name, supplier=supplier
            ),
        )
        allocation.lines.append(line)
    allocations = [by_supplier[pk] for pk in sorted(by_supplier)]
    short: dict[int, str] = {}
    now = timezone.now()
    for allocation in allocations:
        supplier = allocation.supplier
        with in_tenant(supplier), connection.cursor() as cursor:
            sku_ids = sorted({line.sku.sku_id for line in allocation.lines})
            cursor.execute(STOCK_LOCK_SQL, [sku_ids])
            rows_by_sku = defaultdict(list)
            price_by_sku = {}
            for stock_id, sku_id, free, supply_price in cursor.fetchall():
                rows_by_sku[sku_id].append([stock_id, free])
                price_by_sku[sku_id] = supply_price
            plan: dict[int, int] = defaultdict(int)
            for line in allocation.lines:
                need, takes = line.quantity, []
                for row in rows_by_sku.get(line.sku.sku_id, []):
                    if need == 0:
                        break
                    take = min(row[1], need)
                    if take > 0:
                        takes.append((row[0], take))
                        row[1] -= take
                        need -= take
                if need:
                    left = line.quantity - need
                    short[line.offer_sku_id] = (
                        _("Only %(available)s left in stock.") % {"available": left}
                        if left
                        else _("Out of stock.")
                    )
                    continue
                allocation.takes[line.offer_sku_id] = takes
                allocation.supply_prices[line.offer_sku_id] = price_by_sku[line.sku.sku_id]
                for stock_id, take in takes:
                    plan[stock_id] += take
            if short or not plan:
                continue
            ids = sorted(plan)
            cursor.execute(RESERVE_SQL, [now, ids, [plan[pk] for pk in ids]])
            if cursor.rowcount != len(ids):  # cannot happen under the row locks; never oversell
                raise CheckoutError(_("Stock changed while ordering. Please try again."))
            allocation.order_id, allocation.order_number = next_number(
                "S", "fulfilment_supplierorder"
            )
            stock_changed(
                stock_level_ids=ids,
                sku_ids={line.sku.sku_id for line in allocation.lines},
                published=True,  # they are in the supply catalogue: the quote read them there
            )
    if short:
        raise CheckoutError(
            _("Some items are no longer in stock in the quantity you asked for."),
            line_errors=short,
        )
    return allocations


def _dealer_lines_insert(order: Order, allocations, split_status) -> dict[int, OrderLine]:
    splits = OrderSplit.objects.bulk_create(
        [
            OrderSplit(
                order=order,
                supplier_id=a.supplier_id,
                supplier_name=a.supplier_name,
                supplier_order_id=a.order_id,
                supplier_order_number=a.order_number,
                status=split_status,
                goods_total=sum(line.line_total for line in a.lines),
                supply_total=sum(
                    money_round(a.supply_prices[line.offer_sku_id] * line.quantity)
                    for line in a.lines
                ),
            )
            for a in allocations
        ]
    )
    rows, position = [], 0
    for split, allocation in zip(splits, allocations, strict=True):
        for line in allocation.lines:
            rows.append(
                OrderLine(
                    order=order,
                    split=split,
                    offer_sku_id=line.offer_sku_id,
                    supplier_sku_id=line.sku.sku_id,
                    sku_code=line.sku.code,
                    product_name=line.sku.offer.name[:200],
                    variant_text=line.variant_text[:200],
                    unit=line.sku.offer.unit,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    line_total=line.line_total,
                    supply_price=allocation.supply_prices[line.offer_sku_id],
                    position=position,
                )
            )
            position += 1
    created = OrderLine.objects.bulk_create(rows)
    for split, allocation in zip(splits, allocations, strict=True):
        allocation.split_id = split.pk
    # What was just written, for a caller that answers with the order (the buyer API):
    # [(split, [its lines])], without reading it back.
    order.placed_parts = [
        (split, [line for line in created if line.split_id == split.pk]) for split in splits
    ]
    return {line.offer_sku_id: line for line in created}


def _supplier_orders_insert(dealer, order, company, allocations, lines, split_status, buyer):
    from fulfilment.models import StatusChange as SupplierHistory
    from fulfilment.models import StockReservation, SupplierOrder, SupplierOrderLine
    from orders.notify import supplier_order_placed

    now = order.placed_at
    for allocation in allocations:
        with in_tenant(allocation.supplier):
            supply_total = sum(
                money_round(allocation.supply_prices[line.offer_sku_id] * line.quantity)
                for line in allocation.lines
            )
            supplier_order = SupplierOrder(
                pk=allocation.order_id,
                number=allocation.order_number,
                status=split_status,
                dealer_id=dealer.pk,
                dealer_name=dealer.name,
                dealer_order_number=order.number,
                dealer_split_id=allocation.split_id,
                buyer_company=company.name,
                ship_recipient=order.ship_recipient,
                ship_phone=order.ship_phone,
                ship_address=order.ship_address,
                note=order.note,
                goods_total=supply_total,
                placed_at=now,
                updated_at=now,
            )
            supplier_order.save(force_insert=True)
            supplier_lines = SupplierOrderLine.objects.bulk_create(
                [
                    SupplierOrderLine(
                        order=supplier_order,
                        sku_id=line.sku.sku_id,
                        dealer_line_id=lines[line.offer_sku_id].pk,
                        sku_code=line.sku.code,
                        product_name=line.sku.offer.name[:200],
                        variant_text=line.variant_text[:200],
                        quantity=line.quantity,
                        supply_price=allocation.supply_prices[line.offer_sku_id],
                        line_total=money_round(
                            allocation.supply_prices[line.offer_sku_id] * line.quantity
                        ),
                    )
                    for line in allocation.lines
                ]
            )
            StockReservation.objects.bulk_create(
                [
                    StockReservation(line=supplier_line, stock_level_id=stock_id, quantity=take)
                    for supplier_line, line in zip(supplier_lines, allocation.lines, strict=True)
                    for stock_id, take in allocation.takes[line.offer_sku_id]
                ]
            )
            SupplierHistory.objects.create(
                subject_type=SupplierOrder.HISTORY_TYPE,
                subject_id=supplier_order.pk,
                to_status=split_status,
                actor_label=dealer.name,
                created_at=now,
            )
            if split_status == SplitStatus.PENDING:
                supplier_order_placed(supplier_order)
            allocation.supply_total = supply_total
            allocation.supplier_line_ids = {
                line.offer_sku_id: supplier_line.pk
                for supplier_line, line in zip(supplier_lines, allocation.lines, strict=True)
            }


def _routes_insert(dealer, order, allocations, split_status, lines) -> None:
    """The public routes, one per supplier part, and their lines for settlement."""
    from routing.models import OrderRoute, RouteLine

    routes = OrderRoute.objects.bulk_create(
        [
            OrderRoute(
                dealer_id=dealer.pk,
                supplier_id=a.supplier_id,
                dealer_order_id=order.pk,
                dealer_order_number=order.number,
                dealer_split_id=a.split_id,
                supplier_order_id=a.order_id,
                supplier_order_number=a.order_number,
                status=split_status,
                goods_total=sum(line.line_total for line in a.lines),
                supply_total=a.supply_total,
                placed_at=order.placed_at,
                updated_at=order.placed_at,
            )
            for a in allocations
        ]
    )
    RouteLine.objects.bulk_create(
        [
            RouteLine(
                route=route,
                dealer_id=dealer.pk,
                supplier_id=a.supplier_id,
                dealer_line_id=lines[line.offer_sku_id].pk,
                supplier_line_id=a.supplier_line_ids[line.offer_sku_id],
                buyer_company_id=order.company_id,
                offer_sku_id=line.offer_sku_id,
                category_id=line.sku.offer.category_id,
                sku_code=line.sku.code,
                quantity=line.quantity,
                unit_price=line.unit_price,
                line_total=line.line_total,
                supply_price=a.supply_prices[line.offer_sku_id],
                supply_total=money_round(a.supply_prices[line.offer_sku_id] * line.quantity),
                placed_at=order.placed_at,
            )
            for route, a in zip(routes, allocations, strict=True)
            for line in a.lines
        ]
    )


def _dealer_after(order: Order, request: CheckoutRequest, buyer: User, allocations) -> None:
    """Back in the dealer's schema: supplier line ids on the dealer's lines, the history row,
    the cart, the notifications."""
    from orders.models import CartLine
    from orders.notify import order_placed

    line_ids = {}
    for allocation in allocations:
        line_ids.update(allocation.supplier_line_ids)
    # One UPDATE for all lines: supplier_line_id by offer_sku_id within this order.
    with connection.cursor() as cursor:
        ids = sorted(line_ids)
        cursor.execute(
            """
            UPDATE orders_orderline l SET supplier_line_id = v.sl
            FROM (SELECT unnest(%s::bigint[]) AS sku, unnest(%s::bigint[]) AS sl) v
            WHERE l.order_id = %s AND l.offer_sku_id = v.sku
            """,
            [ids, [line_ids[pk] for pk in ids], order.pk],
        )
    DealerHistory.objects.create(
        subject_type=Order.HISTORY_TYPE,
        subject_id=order.pk,
        to_status=order.status,
        actor_id=request.placed_by_id or buyer.pk,
        actor_label=(
            User.objects.get(pk=request.placed_by_id).get_full_name()
            if request.placed_by_id
            else buyer.get_full_name()
        ),
        created_at=order.placed_at,
    )
    if request.clear_cart:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {CartLine._meta.db_table} "
                "WHERE user_id = %s AND offer_sku_id = ANY(%s::bigint[])",
                [buyer.pk, [int(sku) for sku, _q in request.items]],
            )
    order_placed(order, buyer=buyer)
