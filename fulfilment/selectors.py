"""Reads of a supplier's orders (supplier schema: only this supplier's rows exist here)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from fulfilment.models import (
    Shipment,
    ShipmentLine,
    StatusChange,
    StockReservation,
    SupplierOrder,
    SupplierOrderLine,
)


def supplier_order_list(
    *,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    dealer_id: int | None = None,
    search: str = "",
) -> QuerySet[SupplierOrder]:
    """Orders newest first, filtered; each with ``line_count`` and ``item_count``."""
    orders = SupplierOrder.objects.annotate(
        line_count=Count("lines"),
    )
    if status:
        orders = orders.filter(status=status)
    if date_from:
        orders = orders.filter(placed_at__date__gte=date_from)
    if date_to:
        orders = orders.filter(placed_at__date__lte=date_to)
    if dealer_id:
        orders = orders.filter(dealer_id=dealer_id)
    search = search.strip()
    if search:
        orders = orders.filter(
            Q(number__icontains=search)
            | Q(dealer_order_number__icontains=search)
            | Q(buyer_company__icontains=search)
            | Q(ship_recipient__icontains=search)
        )
    return orders.order_by("-placed_at", "-id")


def supplier_order_dealers() -> list[tuple[int, str]]:
    """(dealer id, name) of every dealer that ordered from this supplier, by name."""
    rows = (
        SupplierOrder.objects.order_by("dealer_id", "-placed_at")
        .distinct("dealer_id")
        .values_list("dealer_id", "dealer_name")
    )
    return sorted(rows, key=lambda row: row[1])


def supplier_order_get(*, pk: int) -> SupplierOrder | None:
    """One order with its lines (and their reservations by warehouse) and its shipments."""
    reservations = StockReservation.objects.select_related("stock_level__warehouse").order_by(
        "stock_level__warehouse__code", "pk"
    )
    return (
        SupplierOrder.objects.prefetch_related(
            Prefetch(
                "lines",
                queryset=SupplierOrderLine.objects.order_by("pk").prefetch_related(
                    Prefetch("reservations", queryset=reservations)
                ),
            ),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.order_by("shipped_at", "pk").prefetch_related(
                    Prefetch("lines", queryset=ShipmentLine.objects.select_related("line"))
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def supplier_order_history(*, order: SupplierOrder) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(subject_type=order.HISTORY_TYPE, subject_id=order.pk).order_by(
            "created_at", "pk"
        )
    )
