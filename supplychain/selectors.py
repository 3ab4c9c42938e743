"""Reads of warehouses and stock, in the active supplier schema."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from suppliers.models import Sku
from supplychain.models import StockLevel, Warehouse


def warehouse_list() -> QuerySet[Warehouse]:
    return Warehouse.objects.annotate(
        sku_count=Count("stock_levels", filter=Q(stock_levels__on_hand__gt=0)),
        on_hand_total=Coalesce(Sum("stock_levels__on_hand"), 0),
        reserved_total=Coalesce(Sum("stock_levels__reserved"), 0),
        low_count=Count(
            "stock_levels",
            filter=Q(
                stock_levels__safety_stock__gt=0,
                stock_levels__safety_stock__gte=F("stock_levels__on_hand")
                - F("stock_levels__reserved"),
            ),
        ),
    ).order_by("code")


def warehouse_get(*, pk: int) -> Warehouse | None:
    return Warehouse.objects.filter(pk=pk).first()


def warehouse_stock_rows(
    *, warehouse: Warehouse, search: str = "", low_only: bool = False
) -> QuerySet[Sku]:
    """Every SKU with its stock row in ``warehouse`` (``sku.here``: a list of 0 or 1 rows)."""
    skus = Sku.objects.select_related("product").prefetch_related(
        Prefetch(
            "stock_levels",
            queryset=StockLevel.objects.filter(warehouse=warehouse),
            to_attr="here",
        )
    )
    if search := search.strip():
        skus = skus.filter(
            Q(code__icontains=search)
            | Q(product__name__icontains=search)
            | Q(product__code__icontains=search)
        )
    if low_only:
        skus = skus.filter(
            stock_levels__warehouse=warehouse,
            stock_levels__safety_stock__gt=0,
            stock_levels__safety_stock__gte=F("stock_levels__on_hand")
            - F("stock_levels__reserved"),
        )
    return skus.order_by("product__code", "position", "pk")
