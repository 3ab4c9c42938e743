"""Supply offers and listings for the dealer-side tests.

``offer_build`` writes the public exchange rows (catalog.SupplyOffer / SupplyOfferSku) the way
the publishing sync leaves them, and fills the search document with catalog.search: quick, and
any shape a test needs (audience, withdrawn, inactive SKUs, stock). ``offer_publish`` goes the
real way instead: a product made through the supplier services, listed and published with
suppliers.publishing (tenant_context of the supplier). Listings are always made through
channels.services.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from catalog.models import (
    Category,
    DealerAuthorisation,
    OfferAudience,
    OfferStatus,
    SupplyOffer,
    SupplyOfferSku,
)
from catalog.search import offer_search_refresh
from channels import services
from channels.models import Listing

_product_ids = itertools.count(int(timezone.now().timestamp() * 1000) % 1_000_000_000)

PHONE_PARAMETERS = [
    {"code": "screen_size", "name_zh": "屏幕尺寸", "name_en": "Screen size", "value": "6.1"},
    {"code": "network", "name_zh": "网络", "name_en": "Network", "value": "5G"},
]


def sku_spec(
    code: str,
    *,
    variant: dict | None = None,
    supply: str = "1000.00",
    minimum: str = "1100.00",
    suggested: str = "2000.00",
    tiers=((10, "950.00"), (50, "900.00")),
    available: int = 100,
    is_active: bool = True,
    moq: int = 1,
) -> dict:
    return {
        "code": code,
        "variant": variant or {},
        "supply_price": Decimal(supply),
        "min_resale_price": Decimal(minimum),
        "suggested_retail_price": Decimal(suggested),
        "price_tiers": [{"min_quantity": q, "unit_price": p} for q, p in tiers],
        "available": available,
        "is_active": is_active,
        "moq": moq,
    }


def offer_build(
    *,
    supplier,
    name: str,
    category: str = "smartphones",
    brand: str = "",
    code: str | None = None,
    audience: str = OfferAudience.ALL_DEALERS,
    status: str = OfferStatus.PUBLISHED,
    skus: list[dict] | None = None,
    parameters: list[dict] | None = None,
    description: str = "",
    images: list[dict] | None = None,
    moq: int = 1,
) -> SupplyOffer:
    """A supply offer as the publishing sync writes it (public schema, any active schema)."""
    product_id = next(_product_ids)
    skus = skus if skus is not None else [sku_spec(f"{code or product_id}-1")]
    offer = SupplyOffer.objects.create(
        supplier=supplier,
        product_id=product_id,
        category=Category.objects.get(code=category),
        code=code or f"P{product_id}",
        name=name,
        brand=brand,
        unit="台",
        moq=moq,
        description=description,
        parameters=parameters if parameters is not None else PHONE_PARAMETERS,
        images=images or [],
        audience=audience,
        status=status,
        available=sum(s["available"] for s in skus if s["is_active"]),
    )
    for position, spec in enumerate(skus):
        SupplyOfferSku.objects.create(
            offer=offer, sku_id=product_id * 10 + position, position=position, **spec
        )
    offer_search_refresh([offer.pk])
    return offer


def offer_change(offer: SupplyOffer, **fields) -> SupplyOffer:
    """Change an offer the way the sync does: new values, a new version, a new time."""
    SupplyOffer.objects.filter(pk=offer.pk).update(
        **fields, version=offer.version + 1, updated_at=timezone.now()
    )
    offer.refresh_from_db()
    return offer


def sku_change(offer: SupplyOffer, sku: SupplyOfferSku, **fields) -> None:
    SupplyOfferSku.objects.filter(pk=sku.pk).update(**fields)
    offer_change(offer)


def authorise(*, supplier, dealer) -> None:
    DealerAuthorisation.objects.get_or_create(supplier=supplier, dealer=dealer)


def listing_build(dealer, offer: SupplyOffer, prices: dict | None = None) -> Listing:
    """``offer`` listed by ``dealer`` through the service (prices by SKU code; default SRP)."""
    with tenant_context(dealer):
        by_code = {sku.code: sku.pk for sku in offer.skus.all()}
        resolved = {by_code[code]: Decimal(price) for code, price in (prices or {}).items()}
        listing = services.listing_create(actor=None, offer_id=offer.pk, prices=resolved)
    connection.set_schema_to_public()
    return listing


def offer_publish(
    supplier,
    *,
    code: str,
    name: str,
    audience: str = OfferAudience.ALL_DEALERS,
    stock: int = 50,
) -> SupplyOffer:
    """A phone made through the supplier's services, listed, stocked and published for real."""
    from suppliers import publishing
    from supplychain.services import stock_set
    from tests.suppliers.builders import phone_build, warehouse_build

    with tenant_context(supplier):
        product = phone_build(code=code, name=name, listed=True)
        warehouse = warehouse_build()
        for sku in product.skus.all():
            stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=stock)
        offer = publishing.product_publish(actor=None, product=product, audience=audience)
    connection.set_schema_to_public()
    return offer
