"""What a list of SKUs and quantities costs at this dealer, and what stands in the way.

``quote_build`` is read-only and runs in the dealer's schema: one query reads the SKUs of the
public supply catalogue together with this dealer's listing and price (the dealer's tables are
on the search path). The cart page, quick order and the checkout all price through it, so the
buyer is never shown one price and charged another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from catalog.models import SupplyOfferSku
from channels.models import Listing, ListingPrice, ListingStatus
from channels.pricing import SkuPriceRules, dealer_tiers, unit_price_for
from channels.selectors import offer_ids_visible_sql
from suppliers.money import money_round

MAX_LINES = 200
MAX_QUANTITY = 1_000_000


@dataclass
class QuoteLine:
    offer_sku_id: int
    quantity: int
    sku: SupplyOfferSku | None = None
    unit_price: Decimal = Decimal("0.00")
    line_total: Decimal = Decimal("0.00")
    tiers: list = field(default_factory=list)
    moq: int = 1
    error: str = ""

    @property
    def offer(self):
        return self.sku.offer if self.sku else None

    @property
    def supplier_id(self) -> int:
        return self.sku.offer.supplier_id

    @property
    def variant_text(self) -> str:
        if not self.sku:
            return ""
        return " / ".join(str(v) for v in (self.sku.variant or {}).values() if v)


@dataclass
class Quote:
    lines: list[QuoteLine]

    @property
    def goods_total(self) -> Decimal:
        return sum((line.line_total for line in self.lines if not line.error), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines if not line.error)

    @property
    def has_errors(self) -> bool:
        return any(line.error for line in self.lines)

    @property
    def line_errors(self) -> dict[int, str]:
        return {line.offer_sku_id: line.error for line in self.lines if line.error}


def quote_build(*, dealer_id: int, items: list[tuple[int, int]]) -> Quote:
    """Price ``items`` [(SupplyOfferSku id, quantity)] in the order given (one query).

    A line the buyer cannot order gets ``error`` saying why: not sold here (any more), below
    the minimum order quantity, or more than is available.
    """
    merged: dict[int, int] = {}
    for offer_sku_id, quantity in items:
        merged[int(offer_sku_id)] = merged.get(int(offer_sku_id), 0) + int(quantity)
    if not merged:
        return Quote(lines=[])  # an empty cart: nothing to read
    listing = Listing.objects.filter(offer_id=OuterRef("offer_id"), status=ListingStatus.LISTED)
    price = ListingPrice.objects.filter(
        listing__offer_id=OuterRef("offer_id"), offer_sku_id=OuterRef("pk")
    )
    skus = {
        sku.pk: sku
        for sku in SupplyOfferSku.objects.filter(
            pk__in=list(merged),
            is_active=True,
            offer_id__in=offer_ids_visible_sql(dealer_id=dealer_id),
        )
        .select_related("offer", "offer__supplier")
        .annotate(
            listing_id=Subquery(listing.values("pk")[:1]),
            dealer_price=Subquery(price.values("price")[:1]),
        )
    }
    lines = []
    for offer_sku_id, quantity in merged.items():
        line = QuoteLine(offer_sku_id=offer_sku_id, quantity=quantity)
        sku = skus.get(offer_sku_id)
        if sku is None or sku.listing_id is None:
            line.error = _("This product is no longer sold here.")
            lines.append(line)
            continue
        line.sku = sku
        rules = SkuPriceRules.of(sku)
        line.moq = max(sku.moq or 1, sku.offer.moq or 1)
        line.tiers = dealer_tiers(sku.dealer_price, rules)
        line.unit_price = unit_price_for(sku.dealer_price, rules, quantity)
        line.line_total = money_round(line.unit_price * quantity)
        if quantity < 1 or quantity > MAX_QUANTITY:
            line.error = _("Enter a quantity between 1 and %(max)s.") % {"max": MAX_QUANTITY}
        elif quantity < line.moq:
            line.error = _("The minimum order quantity is %(moq)s.") % {"moq": line.moq}
        elif quantity > sku.available:
            line.error = (
                _("Only %(available)s available.") % {"available": sku.available}
                if sku.available
                else _("Out of stock.")
            )
        lines.append(line)
    return Quote(lines=lines)
