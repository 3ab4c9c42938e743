"""Reads of a supplier's catalogue, in the active supplier schema."""

from __future__ import annotations

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.selectors import category_descendant_ids
from suppliers.models import PriceTier, Product, ProductImage, Sku
from supplychain.models import StockLevel


def _available_subquery(outer: str):
    return Coalesce(
        Subquery(
            StockLevel.objects.filter(**{outer: OuterRef("pk")})
            .values(outer)
            .annotate(total=Sum(F("on_hand") - F("reserved")))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def product_list(
    *, search: str = "", category_id: int | None = None, status: str = ""
) -> QuerySet[Product]:
    """Products for the list page: category path, SKU count, lowest supply price, stock, images."""
    products = Product.objects.select_related("category__parent__parent").annotate(
        sku_count=Count("skus", distinct=True),
        price_min=Min("skus__supply_price"),
        available=_available_subquery("sku__product"),
    )
    if search := search.strip():
        products = products.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(brand__icontains=search)
            | Exists(
                Sku.objects.filter(product=OuterRef("pk")).filter(
                    Q(code__icontains=search) | Q(barcode=search)
                )
            )
        )
    if category_id:
        products = products.filter(category_id__in=category_descendant_ids(category_id=category_id))
    if status:
        products = products.filter(status=status)
    first_images = ProductImage.objects.filter(position=0)
    return products.prefetch_related(
        Prefetch("images", queryset=first_images, to_attr="cover_images")
    ).order_by("-updated_at", "-id")


def product_get(*, pk: int) -> Product | None:
    """One product with everything its edit page shows."""
    return (
        Product.objects.select_related("category__parent__parent")
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.prefetch_related(
                    "tiers",
                    Prefetch(
                        "stock_levels",
                        queryset=StockLevel.objects.select_related("warehouse"),
                    ),
                ).annotate(available=_available_subquery("sku")),
            ),
            "images",
        )
        .filter(pk=pk)
        .first()
    )


def sku_get(*, product_id: int, pk: int) -> Sku | None:
    return (
        Sku.objects.select_related("product__category__parent__parent")
        .prefetch_related(Prefetch("tiers", queryset=PriceTier.objects.order_by("min_quantity")))
        .filter(product_id=product_id, pk=pk)
        .first()
    )


def sku_price_list(*, search: str = "", category_id: int | None = None) -> QuerySet[Sku]:
    """SKUs for the bulk price page."""
    skus = Sku.objects.select_related("product").prefetch_related("tiers")
    if search := search.strip():
        skus = skus.filter(
            Q(code__icontains=search)
            | Q(product__name__icontains=search)
            | Q(product__code__icontains=search)
        )
    if category_id:
        skus = skus.filter(
            product__category_id__in=category_descendant_ids(category_id=category_id)
        )
    return skus.order_by("product__code", "position", "pk")


def catalogue_export_rows() -> QuerySet[Product]:
    """Every product with SKUs, tiers and stock, for the CSV export (four queries)."""
    return (
        Product.objects.select_related("category")
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.prefetch_related(
                    Prefetch("tiers", queryset=PriceTier.objects.order_by("min_quantity")),
                    "stock_levels",
                ).order_by("position", "pk"),
            )
        )
        .order_by("code")
    )
