"""``make`` and ``intact`` functions of the catalogue rows in tests/test_isolation.py.

Each ``make`` runs inside the home supplier's schema and returns ``(url kwargs, marker)``.
"""

from __future__ import annotations

from decimal import Decimal

from catalog.seed import category_tree_seed
from suppliers.models import Product, ProductImage, Sku
from supplychain.models import StockLevel, Warehouse
from tests.suppliers.builders import phone_build, warehouse_build


def _fresh_ids(*models) -> None:
    from tests.test_isolation import pk_unused_elsewhere

    for model in models:
        pk_unused_elsewhere(model)


def _product(tenant) -> Product:
    category_tree_seed()
    _fresh_ids(Product, Sku, ProductImage)
    return phone_build(code=f"ISO-{tenant.slug}", name=f"隔离商品 {tenant.slug}")


def catalogue_made(tenant):
    return {}, _product(tenant).name


def export_made(tenant):
    return {}, _product(tenant).code


def prices_made(tenant):
    return {}, _product(tenant).skus.first().code


def product_made(tenant):
    product = _product(tenant)
    return {"pk": product.pk}, product.name


def sku_made(tenant):
    sku = _product(tenant).skus.first()
    return {"product_pk": sku.product_id, "pk": sku.pk}, sku.code


def image_made(tenant):
    product = _product(tenant)
    image = ProductImage.objects.create(
        product=product,
        image=f"products/{product.pk}/isolation.jpg",
        thumbnail=f"products/{product.pk}/isolation_thumb.jpg",
        width=800,
        height=800,
        original_name="isolation.jpg",
    )
    return {"pk": product.pk, "image_pk": image.pk}, product.name


def warehouse_made(tenant):
    _fresh_ids(Warehouse)
    warehouse = warehouse_build(code="ISO1", name=f"隔离仓 {tenant.slug}")
    return {"pk": warehouse.pk}, warehouse.name


def warehouses_made(tenant):
    return {}, warehouse_made(tenant)[1]


def stock_made(tenant):
    kwargs, _name = warehouse_made(tenant)
    return kwargs, _product(tenant).skus.first().code


def product_intact(kwargs) -> bool:
    product = Product.objects.get(pk=kwargs["pk"])
    return product.name.startswith("隔离商品") and product.status == "draft"


def product_has_no_images(kwargs) -> bool:
    return not ProductImage.objects.filter(product_id=kwargs["pk"]).exists()


def image_kept(kwargs) -> bool:
    return ProductImage.objects.filter(pk=kwargs["image_pk"]).exists()


def sku_prices_kept(kwargs) -> bool:
    return Sku.objects.get(pk=kwargs["pk"]).supply_price == Decimal("1000.00")


def warehouse_kept(kwargs) -> bool:
    return Warehouse.objects.get(pk=kwargs["pk"]).name.startswith("隔离仓")


def stock_untouched(kwargs) -> bool:
    return not StockLevel.objects.filter(warehouse_id=kwargs["pk"]).exists()


def import_made(tenant):
    """An upload of this supplier, already imported with errors (its page lists them)."""
    from suppliers.models import ImportStatus, ProductImport

    _fresh_ids(ProductImport)
    upload = ProductImport.objects.create(
        file_name=f"隔离导入-{tenant.slug}.csv",
        data=b"",
        status=ImportStatus.REJECTED,
        report={"rows": 1, "errors": [{"line": 2, "column": "sku_code", "message": "x"}]},
    )
    return {"pk": upload.pk}, upload.file_name
