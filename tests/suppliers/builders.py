"""Catalogue test data, made through the real services (tenant must be active)."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Role, User
from catalog.models import Category
from suppliers import services
from suppliers.models import Product, Sku
from supplychain.models import Warehouse
from supplychain.services import warehouse_create

PHONE_PARAMETERS = {
    "warranty_months": "12",
    "screen_size": "6.1",
    "cpu": "骁龙 8 Gen 3",
    "battery": "5000",
    "network": "5G",
}


def manager(email: str = "manager@example.com") -> User:
    return User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, role=Role.MANAGER
    )


def phone_build(
    *,
    code: str = "P-100",
    name: str = "星河 X1 智能手机",
    skus: int = 2,
    supply: str = "1000.00",
    actor: User | None = None,
    listed: bool = False,
) -> Product:
    """A smartphone with ``skus`` SKUs (colours), all rules satisfied."""
    category = Category.objects.get(code="smartphones")
    product = services.product_create(
        actor=actor,
        code=code,
        name=name,
        category=category,
        brand="星河",
        unit="台",
        parameters=PHONE_PARAMETERS,
    )
    colours = ["黑色", "白色", "蓝色", "金色", "银色"]
    for index in range(skus):
        services.sku_create(
            actor=actor,
            product=product,
            code=f"{code}-{index + 1}",
            variant={"color": colours[index % len(colours)], "storage": "256GB"},
            supply_price=Decimal(supply),
            suggested_retail_price=Decimal(supply) * 2,
            min_resale_price=Decimal(supply) + 100,
            tiers=[(10, Decimal(supply) - 50), (50, Decimal(supply) - 100)],
        )
    if listed:
        product = services.product_list(actor=actor, product=product)
    return product


def warehouse_build(*, code: str = "SH01", name: str = "上海仓") -> Warehouse:
    return Warehouse.objects.filter(code=code).first() or warehouse_create(
        actor=None, code=code, name=name, province="上海", city="上海"
    )


def sku_get(code: str) -> Sku:
    return Sku.objects.select_related("product").get(code=code)
