"""Reads of the dealer backoffice's order pages (dealer schema).

Every read here runs in the active dealer's schema, so it only ever sees this dealer's orders;
the SKU codes of 代下单 and the import resolve among the offers this dealer may sell and has
listed (public offers joined with the dealer's own listings).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import Role, User
from buyers.models import Address, Buyer, BuyerCompany
from catalog.models import SupplyOfferSku
from channels.models import Listing, ListingStatus
from channels.selectors import current_dealer_id, offers_visible
from orders.models import (
    Order,
    OrderLine,
    OrderSettings,
    OrderSplit,
    Payment,
    ShippingMethod,
    StatusChange,
)
from suppliers.money import money_round

# --- The order list -----------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_list(
    *,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    company: str = "",
    supplier_id: int | None = None,
    number: str = "",
) -> QuerySet[Order]:
    """This dealer's orders, newest first, filtered; each with its company and its splits."""
    orders = Order.objects.select_related("company").prefetch_related(
        Prefetch("splits", queryset=OrderSplit.objects.order_by("supplier_id"))
    )
    if status:
        orders = orders.filter(status=status)
    if date_from:
        orders = orders.filter(placed_at__gte=_day_start(date_from))
    if date_to:
        orders = orders.filter(placed_at__lt=_day_start(date_to + timedelta(days=1)))
    if company.strip():
        orders = orders.filter(company__name__icontains=company.strip())
    if supplier_id:
        orders = orders.filter(
            Exists(OrderSplit.objects.filter(order_id=OuterRef("pk"), supplier_id=supplier_id))
        )
    if number.strip():
        orders = orders.filter(number__icontains=number.strip())
    return orders.order_by("-placed_at", "-id")


def supplier_choices() -> list[tuple[int, str]]:
    """The suppliers that appear in this dealer's orders, by name."""
    rows = (
        OrderSplit.objects.order_by("supplier_id", "-id")
        .distinct("supplier_id")
        .values_list("supplier_id", "supplier_name")
    )
    return sorted(rows, key=lambda row: row[1])


def order_export_lines(orders: QuerySet[Order]) -> Iterator[OrderLine]:
    """Every line of ``orders`` with its order, company and supplier part, in list order,
    read in chunks (an export of a big period does not load everything at once)."""
    ids = orders.order_by().values("pk")
    return (
        OrderLine.objects.filter(order_id__in=ids)
        .select_related("order", "order__company", "split")
        .order_by("-order__placed_at", "-order_id", "position", "id")
        .iterator(chunk_size=500)
    )


# --- One order ----------------------------------------------------------------------------------


@dataclass
class DetailLine:
    line: OrderLine
    margin: Decimal


@dataclass
class DetailSplit:
    split: OrderSplit
    lines: list[DetailLine] = field(default_factory=list)

    @property
    def margin(self) -> Decimal:
        return sum((row.margin for row in self.lines), Decimal("0.00"))


@dataclass
class OrderDetail:
    order: Order
    splits: list[DetailSplit]
    payments: list[Payment]
    history: list[StatusChange]

    @property
    def margin(self) -> Decimal:
        return sum((split.margin for split in self.splits), Decimal("0.00"))


def line_margin(line: OrderLine) -> Decimal:
    """What the dealer earns on a line: its amount less the supply cost."""
    return money_round(line.line_total - line.supply_price * line.quantity)


def order_get(*, pk: int) -> Order | None:
    return Order.objects.filter(pk=pk).first()


def order_detail(*, pk: int) -> OrderDetail | None:
    """One of this dealer's orders with its parts, lines, payments and full history; None
    when this dealer has no such order."""
    order = Order.objects.select_related("company").filter(pk=pk).first()
    if order is None:
        return None
    people = {
        user.pk: user
        for user in User.objects.filter(pk__in={order.buyer_id, order.placed_by_id} - {None})
    }
    order.buyer_user = people.get(order.buyer_id)
    order.placed_by_user = people.get(order.placed_by_id)
    splits = list(
        OrderSplit.objects.filter(order=order)
        .order_by("supplier_id")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")))
    )
    detail_splits = [
        DetailSplit(
            split=split,
            lines=[DetailLine(line=line, margin=line_margin(line)) for line in split.lines.all()],
        )
        for split in splits
    ]
    history = list(
        StatusChange.objects.filter(
            Q(subject_type=Order.HISTORY_TYPE, subject_id=order.pk)
            | Q(subject_type=OrderSplit.HISTORY_TYPE, subject_id__in=[s.pk for s in splits])
        ).order_by("created_at", "id")
    )
    split_names = {split.pk: split.supplier_name for split in splits}
    for row in history:
        row.subject_name = (
            split_names.get(row.subject_id, "")
            if row.subject_type == OrderSplit.HISTORY_TYPE
            else ""
        )
        model = OrderSplit if row.subject_type == OrderSplit.HISTORY_TYPE else Order
        choices = dict(model._meta.get_field("status").choices)
        row.from_label = str(choices.get(row.from_status, row.from_status))
        row.to_label = str(choices.get(row.to_status, row.to_status))
    payments = list(Payment.objects.filter(order=order).order_by("-created_at", "-id"))
    return OrderDetail(order=order, splits=detail_splits, payments=payments, history=history)


# --- 代下单 and import: buyers, addresses, SKU codes --------------------------------------------


def company_choices() -> list[BuyerCompany]:
    """Active buyer companies that have at least one active buyer user."""
    active_buyer = Buyer.objects.filter(
        company_id=OuterRef("pk"), user__is_active=True, user__role=Role.BUYER
    )
    return list(BuyerCompany.objects.filter(is_active=True).filter(Exists(active_buyer)))


def company_get(*, pk: int) -> BuyerCompany | None:
    return BuyerCompany.objects.filter(pk=pk, is_active=True).first()


def company_buyers(*, company: BuyerCompany) -> list[User]:
    return list(
        User.objects.filter(buyer__company=company, is_active=True, role=Role.BUYER).order_by(
            "full_name", "id"
        )
    )


def company_addresses(*, company: BuyerCompany) -> list[Address]:
    return list(Address.objects.filter(company=company).order_by("-is_default", "-created_at"))


def shipping_methods_active() -> list[ShippingMethod]:
    return list(ShippingMethod.objects.filter(is_active=True).order_by("position", "id"))


def buyers_by_login(identifiers: set[str]) -> dict[str, Buyer]:
    """{email (lower-case) or mobile number: Buyer} of the active buyer users whose email or
    mobile number is one of ``identifiers`` (one query; emails are stored lower-case)."""
    emails = {value.strip().lower() for value in identifiers if "@" in value}
    phones = {value.strip() for value in identifiers if value.strip() and "@" not in value}
    if not emails and not phones:
        return {}
    found: dict[str, Buyer] = {}
    for buyer in Buyer.objects.select_related("user", "company").filter(
        Q(user__email__in=emails) | Q(user__phone__in=phones),
        user__is_active=True,
        user__role=Role.BUYER,
    ):
        if buyer.user.email in emails:
            found[buyer.user.email] = buyer
        if buyer.user.phone in phones:
            found[buyer.user.phone] = buyer
    return found


def sku_codes_resolve(*, codes: set[str]) -> dict[str, list[int]]:
    """{SKU code (upper-case): [SupplyOfferSku ids]} of the active SKUs with that code among
    the offers this dealer may sell and has listed in its store (one query). A code used by
    two suppliers maps to two ids: the caller says it is ambiguous."""
    wanted = {code.strip().upper() for code in codes if code.strip()}
    if not wanted:
        return {}
    listed = Listing.objects.filter(offer_id=OuterRef("offer_id"), status=ListingStatus.LISTED)
    rows = (
        SupplyOfferSku.objects.filter(
            is_active=True, offer__in=offers_visible(dealer_id=current_dealer_id())
        )
        .filter(Exists(listed))
        .annotate(code_upper=Upper("code"))
        .filter(code_upper__in=wanted)
        .order_by("offer__supplier_id", "pk")
    )
    found: dict[str, list[int]] = {}
    for pk, code in rows.values_list("pk", "code_upper"):
        found.setdefault(code, []).append(pk)
    return found


def order_settings() -> OrderSettings:
    return OrderSettings.current()


def shipping_method_list() -> list[ShippingMethod]:
    return list(ShippingMethod.objects.order_by("position", "id"))


def shipping_method_get(*, pk: int) -> ShippingMethod | None:
    return ShippingMethod.objects.filter(pk=pk).first()


def orders_by_keys(keys: list[str]) -> dict[str, Order]:
    return {
        order.idempotency_key: order for order in Order.objects.filter(idempotency_key__in=keys)
    }
