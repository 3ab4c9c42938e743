"""Demo products: the suppliers' catalogues, published to dealers and listed in their stores.

Everything goes through the real services (product and SKU creation with price control,
warehouses and stock, listing, publishing, the dealers' listings at their own prices), so the
demo shows what a real supplier and dealer would have made. Idempotent: a product whose code
exists is left alone, an offer already in a store is not listed twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from catalog.models import Category, OfferStatus, SupplyOffer
from tenants.models import Tenant

D = Decimal

# supplier slug: warehouses, products. A product: code, name, category, brand, unit, moq,
# parameters, SKUs (code, variant, supply, suggested retail, minimum resale, tiers, stock, safety).
DEMO_CATALOGUE = {
    "huaxin": {
        "warehouses": [
            ("SZ01", "深圳总仓 Shenzhen", "广东", "深圳"),
            ("SH01", "上海仓 Shanghai", "上海", "上海"),
        ],
        "products": [
            (
                "HX-P60",
                "华信 P60 智能手机 5G Smartphone",
                "smartphones",
                "华信 Huaxin",
                "台",
                1,
                {
                    "warranty_months": "12",
                    "screen_size": "6.7",
                    "cpu": "骁龙 8 Gen 3",
                    "battery": "5000",
                    "network": "5G",
                    "os": "Android",
                },
                [
                    (
                        "HX-P60-BK-256",
                        {"color": "曜石黑 Black", "storage": "256GB"},
                        "3299",
                        "3999",
                        "3599",
                        [(10, "3199"), (50, "3099")],
                        (120, 20),
                    ),
                    (
                        "HX-P60-WH-512",
                        {"color": "珍珠白 White", "storage": "512GB"},
                        "3799",
                        "4599",
                        "4099",
                        [(10, "3699")],
                        (60, 10),
                    ),
                ],
            ),
            (
                "HX-BOOK14",
                "华信 Book 14 轻薄笔记本电脑 Laptop",
                "laptops",
                "华信 Huaxin",
                "台",
                1,
                {"warranty_months": "24", "screen_size": "14", "cpu": "Intel Core Ultra 7"},
                [
                    (
                        "HX-BOOK14-16-512",
                        {"memory": "16GB", "storage": "512GB", "color": "银色 Silver"},
                        "4599",
                        "5499",
                        "4999",
                        [(20, "4499")],
                        (80, 10),
                    ),
                    (
                        "HX-BOOK14-32-1T",
                        {"memory": "32GB", "storage": "1TB", "color": "深空灰 Grey"},
                        "5799",
                        "6999",
                        "6299",
                        [],
                        (35, 5),
                    ),
                ],
            ),
            (
                "HX-TV65",
                "华信 65 英寸 4K 智能电视 Smart TV",
                "televisions",
                "华信 Huaxin",
                "台",
                1,
                {"warranty_months": "36", "resolution": "4K", "energy_class": "1级"},
                [
                    ("HX-TV-55", {"screen_size": "55"}, "2199", "2799", "2499", [], (40, 8)),
                    (
                        "HX-TV-65",
                        {"screen_size": "65"},
                        "3199",
                        "3999",
                        "3599",
                        [(5, "3099")],
                        (25, 5),
                    ),
                ],
            ),
        ],
    },
    "greenleaf": {
        "warehouses": [("GZ01", "广州仓 Guangzhou", "广东", "广州")],
        "products": [
            (
                "GL-SHAMPOO",
                "绿叶 草本控油洗发水 Herbal Shampoo",
                "shampoo",
                "绿叶 Greenleaf",
                "瓶",
                12,
                {"hair_type": "油性", "shelf_life": "36"},
                [
                    (
                        "GL-SH-400",
                        {"volume": "400ml", "scent": "薄荷 Mint"},
                        "18.50",
                        "32.00",
                        "25.00",
                        [(48, "17.80"), (240, "16.90")],
                        (2400, 300),
                    ),
                    (
                        "GL-SH-750",
                        {"volume": "750ml", "scent": "薄荷 Mint"},
                        "29.00",
                        "49.00",
                        "39.00",
                        [(48, "27.90")],
                        (1200, 200),
                    ),
                ],
            ),
            (
                "GL-TEA-LJ",
                "绿叶 明前龙井绿茶 Longjing Green Tea",
                "tea",
                "绿叶 Greenleaf",
                "盒",
                2,
                {"origin": "浙江杭州 Hangzhou", "shelf_life": "18", "grade": "特级"},
                [
                    (
                        "GL-TEA-250",
                        {"weight": "250g"},
                        "168.00",
                        "298.00",
                        "238.00",
                        [(20, "158.00")],
                        (300, 40),
                    ),
                ],
            ),
            (
                "GL-A4-70",
                "绿叶 A4 复印纸 70g Copy Paper",
                "copy-paper",
                "绿叶 Greenleaf",
                "箱",
                5,
                {"gsm": "70", "sheets": "500"},
                [
                    (
                        "GL-A4-70-BOX",
                        {"paper_size": "A4"},
                        "98.00",
                        "139.00",
                        "119.00",
                        [(50, "92.00"), (200, "88.00")],
                        (900, 100),
                    ),
                ],
            ),
        ],
    },
}
DEALERS = ["eastlink", "northstar"]


def _owner() -> User | None:
    return User.objects.filter(role=Role.OWNER).order_by("pk").first()


def supplier_catalogue_seed(tenant: Tenant, spec: dict) -> int:
    """Create, list and publish the supplier's demo products; returns how many were made."""
    from suppliers.models import Product
    from suppliers.publishing import product_publish
    from suppliers.services import product_create, product_list, sku_create
    from supplychain.models import Warehouse
    from supplychain.services import stock_set, warehouse_create

    made = 0
    with tenant_context(tenant):
        actor = _owner()
        warehouses = []
        for code, name, province, city in spec["warehouses"]:
            warehouse = Warehouse.objects.filter(code=code).first() or warehouse_create(
                actor=actor, code=code, name=name, province=province, city=city
            )
            warehouses.append(warehouse)
        for code, name, category_code, brand, unit, moq, parameters, skus in spec["products"]:
            if Product.objects.filter(code=code).exists():
                continue
            product = product_create(
                actor=actor,
                code=code,
                name=name,
                category=Category.objects.get(code=category_code),
                brand=brand,
                unit=unit,
                moq=moq,
                parameters=parameters,
            )
            for sku_code, variant, supply, retail, floor, tiers, (on_hand, safety) in skus:
                sku = sku_create(
                    actor=actor,
                    product=product,
                    code=sku_code,
                    variant=variant,
                    supply_price=D(supply),
                    suggested_retail_price=D(retail),
                    min_resale_price=D(floor),
                    tiers=[(quantity, D(price)) for quantity, price in tiers],
                )
                for share, warehouse in zip((0.7, 0.3), warehouses, strict=False):
                    stock_set(
                        actor=actor,
                        sku=sku,
                        warehouse=warehouse,
                        on_hand=max(1, round(on_hand * share)) if len(warehouses) > 1 else on_hand,
                        safety_stock=safety,
                    )
            product_list(actor=actor, product=product)
            product_publish(actor=actor, product=product, audience="all")
            made += 1
    return made


def dealer_listings_seed(tenant: Tenant) -> int:
    """List every published offer in the dealer's store at the suggested retail price."""
    from channels.models import Listing
    from channels.services import listing_bulk_create

    offer_ids = list(
        SupplyOffer.objects.filter(status=OfferStatus.PUBLISHED).values_list("pk", flat=True)
    )
    with tenant_context(tenant):
        missing = sorted(set(offer_ids) - set(Listing.objects.values_list("offer_id", flat=True)))
        if not missing:
            return 0
        listings = listing_bulk_create(
            actor=_owner(), offer_ids=missing, basis="suggested", percent=D("100")
        )
    return len(listings)


def demo_catalogue_seed() -> dict[str, int]:
    connection.set_schema_to_public()
    counts = {}
    for slug, spec in DEMO_CATALOGUE.items():
        counts[slug] = supplier_catalogue_seed(Tenant.objects.get(slug=slug), spec)
    for slug in DEALERS:
        counts[slug] = dealer_listings_seed(Tenant.objects.get(slug=slug))
    connection.set_schema_to_public()
    return counts
