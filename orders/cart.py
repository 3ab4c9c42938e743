"""The buyer's cart (dealer schema): add, set, remove, clear, quick order and reorder.

A cart line is (user, public SupplyOfferSku id, quantity), unique per user and SKU. Adding is
one ``INSERT … ON CONFLICT DO UPDATE`` so two tabs adding the same SKU at once add up instead
of failing on the unique constraint. Prices and stock are never stored here: the cart page and
the checkout price the lines through ``orders.quote.quote_build`` whenever they are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import SupplyOfferSku
from channels.models import Listing, ListingStatus
from channels.selectors import offers_visible
from orders.models import CartLine, Order, OrderLine
from orders.quote import MAX_LINES, MAX_QUANTITY, Quote, quote_build

QUICK_ORDER_MAX_LINES = MAX_LINES
_SEPARATORS = re.compile(r"[\s,，;；]+")


class CartError(Exception):
    """A cart change that cannot be made; nothing was changed.

    ``str()`` is for the user; ``line_errors`` {line number: message} for a quick order."""

    def __init__(self, message: str, *, line_errors: dict[int, str] | None = None):
        super().__init__(message)
        self.line_errors: dict[int, str] = dict(line_errors or {})


def _quantity_check(quantity) -> int:
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise CartError(_("Enter a whole number as the quantity.")) from None
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise CartError(_("Enter a quantity between 1 and %(max)s.") % {"max": f"{MAX_QUANTITY:,}"})
    return quantity


def _sellable_check(*, dealer_id: int, offer_sku_id: int) -> None:
    quote = quote_build(dealer_id=dealer_id, items=[(offer_sku_id, 1)])
    if quote.lines[0].sku is None:
        raise CartError(_("This product is no longer sold here."))


UPSERT_SQL = """
    INSERT INTO orders_cartline (user_id, offer_sku_id, quantity, added_at)
    SELECT unnest(%s::bigint[]), unnest(%s::bigint[]), unnest(%s::integer[]), %s
    ON CONFLICT (user_id, offer_sku_id) DO UPDATE
    SET quantity = LEAST(orders_cartline.quantity + EXCLUDED.quantity, %s)
"""


def _upsert(*, user_id: int, items: list[tuple[int, int]]) -> None:
    """Add ``items`` [(offer SKU id, quantity)] to the user's cart (quantities add up)."""
    merged: dict[int, int] = {}
    for sku_id, quantity in items:
        merged[sku_id] = merged.get(sku_id, 0) + quantity
    ids = list(merged)
    with connection.cursor() as cursor:
        cursor.execute(
            UPSERT_SQL,
            [
                [user_id] * len(ids),
                ids,
                [min(merged[pk], MAX_QUANTITY) for pk in ids],
                timezone.now(),
                MAX_QUANTITY,
            ],
        )


def _room_check(*, user_id: int, new_ids) -> None:
    existing = set(CartLine.objects.filter(user_id=user_id).values_list("offer_sku_id", flat=True))
    if len(existing | set(new_ids)) > MAX_LINES:
        raise CartError(
            _("A cart holds at most %(max)s different items. Check out or remove some first.")
            % {"max": MAX_LINES}
        )


@transaction.atomic
def cart_add(*, user, dealer_id: int, offer_sku_id: int, quantity) -> int:
    """Add ``quantity`` of a SKU this dealer sells to the user's cart; returns the line's
    quantity now. Raises ``CartError``."""
    quantity = _quantity_check(quantity)
    _sellable_check(dealer_id=dealer_id, offer_sku_id=offer_sku_id)
    _room_check(user_id=user.pk, new_ids=[offer_sku_id])
    _upsert(user_id=user.pk, items=[(offer_sku_id, quantity)])
    return CartLine.objects.get(user_id=user.pk, offer_sku_id=offer_sku_id).quantity


@transaction.atomic
def cart_set(*, user, offer_sku_id: int, quantity) -> int:
    """Set the quantity of a line already in the cart (0 removes it); returns the quantity."""
    try:
        if int(quantity) == 0:
            cart_remove(user=user, offer_sku_id=offer_sku_id)
            return 0
    except (TypeError, ValueError):
        pass
    quantity = _quantity_check(quantity)
    updated = CartLine.objects.filter(user_id=user.pk, offer_sku_id=offer_sku_id).update(
        quantity=quantity
    )
    if not updated:
        raise CartError(_("This item is no longer in your cart."))
    return quantity


def _whole_number(value) -> int | None:
    """``value`` as an int when it is one (an int, or a string of digits), else None: 2.5,
    "2.5", true and "" are not quantities."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,30}\s*", value):
        return int(value)
    return None


_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class CartAddResult:
    items: list[tuple[int, int]]  # the whole cart after the add: (offer SKU id, quantity)
    quote: Quote  # the whole cart priced (lines in the order of ``items``)


@transaction.atomic
def cart_items_add(*, user, dealer_id: int, items: list[tuple]) -> CartAddResult:
    """Add ``items`` [(offer SKU id, quantity), as sent] to the user's cart, quantities adding
    up: all of them or none. Raises ``CartError`` with ``line_errors`` {index in ``items``:
    why} for every item that is not a whole number, out of range, not sold here, or would
    take the cart past ``MAX_LINES`` different SKUs.

    Three queries: the cart as it is, ONE ``quote_build`` of the cart as it will be (it
    checks that the new SKUs are sold here and prices the whole cart for the answer), one
    upsert. (A change from another tab between the first and the last query is added up
    correctly in the database; only the returned cart would miss it, and its token then no
    longer matches, so a checkout with it is refused, never placed blind.)"""
    if not items:
        raise CartError(_("Add at least one item."))
    if len(items) > MAX_LINES:
        raise CartError(_("Add at most %(max)s items at once.") % {"max": MAX_LINES})
    errors: dict[int, str] = {}
    parsed: list[tuple[int, int, int]] = []  # (index, offer SKU id, quantity)
    for index, (raw_sku, raw_quantity) in enumerate(items):
        sku_id, quantity = _whole_number(raw_sku), _whole_number(raw_quantity)
        if sku_id is None or not 1 <= sku_id <= _BIGINT_MAX:
            errors[index] = _("offer_sku_id must be the id of a SKU (a whole number).")
        elif quantity is None:
            errors[index] = _("Enter a whole number as the quantity.")
        elif quantity < 1 or quantity > MAX_QUANTITY:
            errors[index] = _("Enter a quantity between 1 and %(max)s.") % {
                "max": f"{MAX_QUANTITY:,}"
            }
        else:
            parsed.append((index, sku_id, quantity))

    cart = dict(
        CartLine.objects.filter(user_id=user.pk)
        .order_by("added_at", "id")
        .values_list("offer_sku_id", "quantity")
    )
    after = dict(cart)
    for _index, sku_id, quantity in parsed:
        after[sku_id] = min(after.get(sku_id, 0) + quantity, MAX_QUANTITY)
    if len(after) > MAX_LINES:
        for index, sku_id, _quantity in parsed:
            if sku_id not in cart:
                errors[index] = _(
                    "A cart holds at most %(max)s different items. Check out or remove some first."
                ) % {"max": MAX_LINES}
    quote = quote_build(dealer_id=dealer_id, items=list(after.items()))
    unsold = {line.offer_sku_id for line in quote.lines if line.sku is None}
    for index, sku_id, _quantity in parsed:
        if sku_id in unsold and index not in errors:
            errors[index] = _("This product is no longer sold here.")
    if errors:
        raise CartError(
            _("Nothing was added: correct the marked items and try again."),
            line_errors=dict(sorted(errors.items())),
        )
    _upsert(user_id=user.pk, items=[(sku_id, quantity) for _i, sku_id, quantity in parsed])
    return CartAddResult(items=list(after.items()), quote=quote)


def cart_remove(*, user, offer_sku_id: int) -> bool:
    deleted, _rows = CartLine.objects.filter(user_id=user.pk, offer_sku_id=offer_sku_id).delete()
    return bool(deleted)


def cart_clear(*, user) -> int:
    deleted, _rows = CartLine.objects.filter(user_id=user.pk).delete()
    return deleted


# --- Quick order ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuickOrderResult:
    added: list[tuple[str, int]]  # (SKU code, quantity)


def _quick_order_parse(text: str) -> tuple[list[tuple[int, str, str]], dict[int, str]]:
    """[(line number, code, quantity text)] of the non-empty lines, and the line errors."""
    rows, errors = [], {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [part for part in _SEPARATORS.split(line) if part]
        if len(parts) != 2:
            errors[number] = _("Write the SKU code and the quantity, e.g. “ABC-1 10”.")
            continue
        rows.append((number, parts[0], parts[1]))
    return rows, errors


def sku_codes_resolve(*, dealer_id: int, codes: list[str]) -> dict[str, list[int]]:
    """{code (upper case): [SupplyOfferSku id, ...]} of the active SKUs with these codes (any
    letter case) that this dealer lists in its store; more than one id: the code exists at
    several suppliers. One query."""
    listed = Listing.objects.filter(offer_id=OuterRef("offer_id"), status=ListingStatus.LISTED)
    found: dict[str, list[int]] = {}
    skus = (
        SupplyOfferSku.objects.annotate(code_upper=Upper("code"))
        .filter(
            code_upper__in=sorted({code.upper() for code in codes}),
            is_active=True,
            offer__in=offers_visible(dealer_id=dealer_id),
        )
        .filter(Exists(listed))
        .values_list("code_upper", "pk")
        .order_by("pk")
    )
    for code, pk in skus:
        found.setdefault(code, []).append(pk)
    return found


@transaction.atomic
def quick_order_add(*, user, dealer_id: int, text: str) -> QuickOrderResult:
    """Add the pasted lines "SKU-code quantity" (space, tab or comma between; an Excel paste
    works) to the cart. Every line is checked first: one bad line and nothing is added
    (``CartError.line_errors`` by line number)."""
    rows, errors = _quick_order_parse(text)
    if not rows and not errors:
        raise CartError(_("Paste at least one line: a SKU code and a quantity."))
    if len(rows) + len(errors) > QUICK_ORDER_MAX_LINES:
        raise CartError(_("Paste at most %(max)s lines at once.") % {"max": QUICK_ORDER_MAX_LINES})
    resolved = sku_codes_resolve(dealer_id=dealer_id, codes=[code for _n, code, _q in rows])
    items, added = [], []
    for number, code, quantity_text in rows:
        try:
            quantity = _quantity_check(quantity_text)
        except CartError as error:
            errors[number] = _("“%(quantity)s” is not a valid quantity: %(why)s") % {
                "quantity": quantity_text,
                "why": str(error),
            }
            continue
        ids = resolved.get(code.upper(), [])
        if not ids:
            errors[number] = _("No product with the SKU code “%(code)s” is sold here.") % {
                "code": code
            }
        elif len(ids) > 1:
            errors[number] = _(
                "The SKU code “%(code)s” belongs to products of several suppliers: add it "
                "from the product page instead."
            ) % {"code": code}
        else:
            items.append((ids[0], quantity))
            added.append((code, quantity))
    if errors:
        raise CartError(
            _("Nothing was added: correct the marked lines and try again."),
            line_errors=dict(sorted(errors.items())),
        )
    _room_check(user_id=user.pk, new_ids=[pk for pk, _q in items])
    _upsert(user_id=user.pk, items=items)
    return QuickOrderResult(added=added)


# --- Reorder ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReorderResult:
    added: list[str]  # product names
    skipped: list[str]  # product names no longer sold


@transaction.atomic
def order_reorder(*, user, company_id: int, dealer_id: int, order_id: int) -> ReorderResult:
    """Put a past order's lines (of the buyer's company) into the cart, skipping what this
    store no longer sells. Raises ``Order.DoesNotExist`` for another company's order."""
    order = Order.objects.get(pk=order_id, company_id=company_id)
    lines = list(
        OrderLine.objects.filter(order=order).values_list(
            "offer_sku_id", "quantity", "product_name", "variant_text"
        )
    )
    quote = quote_build(dealer_id=dealer_id, items=[(sku, qty) for sku, qty, _n, _v in lines])
    sellable = {line.offer_sku_id for line in quote.lines if line.sku is not None}
    items, added, skipped = [], [], []
    for sku, quantity, name, variant in lines:
        label = f"{name} {variant}".strip()
        if sku in sellable:
            items.append((sku, quantity))
            added.append(label)
        else:
            skipped.append(label)
    if items:
        _room_check(user_id=user.pk, new_ids=[pk for pk, _q in items])
        _upsert(user_id=user.pk, items=items)
    return ReorderResult(added=added, skipped=skipped)
