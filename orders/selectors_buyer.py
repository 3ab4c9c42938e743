"""Reads for the buyer's side of the storefront (dealer schema): the cart priced, checkout
options, and the buyer company's orders. Every order read is scoped by the company."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from orders.models import (
    CartLine,
    Order,
    OrderLine,
    OrderSplit,
    OrderStatus,
    Payment,
    ShippingMethod,
    StatusChange,
)
from orders.quote import Quote, quote_build
from orders.workflow.checkout import credit_used, shipping_fee


def cart_items(*, user) -> list[tuple[int, int]]:
    """[(SupplyOfferSku id, quantity)] of the user's cart, oldest first."""
    return list(
        CartLine.objects.filter(user_id=user.pk)
        .order_by("added_at", "id")
        .values_list("offer_sku_id", "quantity")
    )


def cart_quote(*, user, dealer_id: int) -> Quote:
    """The user's cart priced now (two queries): lines in the order they were added."""
    return quote_build(dealer_id=dealer_id, items=cart_items(user=user))


def items_token(items) -> str:
    """A short fingerprint of cart contents: the checkout form carries the one it showed."""
    text = ",".join(f"{int(sku)}x{int(qty)}" for sku, qty in sorted(items))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ShippingOption:
    method: ShippingMethod
    fee: Decimal


def shipping_options(*, quote: Quote) -> list[ShippingOption]:
    """The active shipping methods with their fee for this quote."""
    return [
        ShippingOption(
            method=method,
            fee=shipping_fee(method, goods_total=quote.goods_total, items=quote.item_count),
        )
        for method in ShippingMethod.objects.filter(is_active=True)
    ]


def credit_remaining(*, company) -> Decimal:
    """What the company may still order on account (the rule of orders.workflow.checkout)."""
    if not company.on_account:
        return Decimal("0.00")
    return max(company.credit_limit - credit_used(company_id=company.pk), Decimal("0.00"))


def order_list(*, company_id: int, status: str = "") -> QuerySet[Order]:
    """The company's orders, newest first (one query per page; no per-row queries)."""
    orders = Order.objects.filter(company_id=company_id)
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    return orders.order_by("-placed_at", "-id")


def order_detail(*, company_id: int, pk: int) -> Order:
    """One order of the company with its parts, lines and payments; raises DoesNotExist."""
    return Order.objects.prefetch_related(
        Prefetch(
            "splits",
            queryset=OrderSplit.objects.order_by("supplier_name", "pk").prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))
            ),
        ),
        Prefetch("payments", queryset=Payment.objects.order_by("-created_at", "-id")),
    ).get(company_id=company_id, pk=pk)


def order_history(*, order: Order) -> list[StatusChange]:
    """The order's status moves and its supplier parts', oldest first."""
    split_ids = [split.pk for split in order.splits.all()]
    return list(
        StatusChange.objects.filter(
            Q(subject_type=Order.HISTORY_TYPE, subject_id=order.pk)
            | Q(subject_type=OrderSplit.HISTORY_TYPE, subject_id__in=split_ids)
        ).order_by("created_at", "id")
    )


def proof_payment(*, pk: int, company_id: int | None) -> Payment | None:
    """A bank-transfer payment with a proof file: of ``company_id``'s orders, or any when
    ``company_id`` is None (the dealer's staff)."""
    payments = Payment.objects.filter(pk=pk).exclude(proof="")
    if company_id is not None:
        payments = payments.filter(order__company_id=company_id)
    return payments.first()


def pending_online_payment(*, reference: str, company_id: int, gateway: str) -> Payment | None:
    return (
        Payment.objects.select_related("order")
        .filter(reference=reference, gateway=gateway, order__company_id=company_id)
        .first()
    )
