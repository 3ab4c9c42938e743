"""A dealer's prices, from the supplier's price control (价格管控) and the dealer's own price.

* The dealer's price of a SKU defaults to the supplier's suggested retail price (建议零售价) and
  is never below the minimum resale price (最低零售价): ``price_floor_errors`` says why not.
* Volume tiers follow the supplier's structure proportionally: the supplier lowers its supply
  price by, say, 5 % from 10 units and 10 % from 50; the dealer's buyers get the same 5 % and
  10 % off the dealer's price. The dealer keeps its margin ratio at every tier, the supplier's
  tiers stay the one source of truth (a change reaches every storefront at once), and no tier
  goes below the minimum resale price (a tier that would is clamped to it, and a tier that is
  then no cheaper than the one before is dropped).

Money is Decimal; every rounding goes through suppliers.money.money_round.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from suppliers.money import money_round

PERCENT = Decimal(100)


def yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


@dataclass(frozen=True)
class SkuPriceRules:
    """What the supplier published about one SKU's price (from catalog.SupplyOfferSku)."""

    supply_price: Decimal
    suggested_retail_price: Decimal
    min_resale_price: Decimal
    price_tiers: tuple[tuple[int, Decimal], ...] = ()

    @classmethod
    def of(cls, offer_sku) -> SkuPriceRules:
        return cls(
            supply_price=offer_sku.supply_price,
            suggested_retail_price=offer_sku.suggested_retail_price,
            min_resale_price=offer_sku.min_resale_price,
            price_tiers=tiers_parse(offer_sku.price_tiers),
        )


def tiers_parse(raw) -> tuple[tuple[int, Decimal], ...]:
    """The supplier's tiers from the offer's JSON, ascending; malformed entries are skipped."""
    tiers = []
    for entry in raw or []:
        try:
            tiers.append((int(entry["min_quantity"]), Decimal(str(entry["unit_price"]))))
        except (KeyError, TypeError, ValueError, InvalidOperation):
            continue
    return tuple(sorted(tiers))


def default_price(rules: SkuPriceRules) -> Decimal:
    return rules.suggested_retail_price


def effective_price(price: Decimal | None, rules: SkuPriceRules) -> Decimal:
    """What a buyer pays per unit below the first tier: the dealer's price (the suggested retail
    price for a SKU the dealer has not priced yet), never below the current floor."""
    base = default_price(rules) if price is None else price
    return max(base, rules.min_resale_price)


def dealer_tiers(price: Decimal | None, rules: SkuPriceRules) -> list[tuple[int, Decimal]]:
    """The buyer's volume prices [(from quantity, unit price)], ascending and strictly cheaper."""
    base = effective_price(price, rules)
    if not rules.price_tiers or rules.supply_price <= 0:
        return []
    tiers: list[tuple[int, Decimal]] = []
    previous = base
    for quantity, supply_tier_price in rules.price_tiers:
        unit = money_round(base * supply_tier_price / rules.supply_price)
        unit = max(unit, rules.min_resale_price)
        if unit < previous:
            tiers.append((quantity, unit))
            previous = unit
    return tiers


def unit_price_for(price: Decimal | None, rules: SkuPriceRules, quantity: int) -> Decimal:
    unit = effective_price(price, rules)
    for from_quantity, tier_price in dealer_tiers(price, rules):
        if quantity >= from_quantity:
            unit = tier_price
    return unit


def price_floor_errors(price: Decimal | None, rules: SkuPriceRules) -> list[str]:
    """Why ``price`` may not be the dealer's price of this SKU (empty: it may)."""
    if price is None:
        return [_("Enter a price.")]
    if not price.is_finite():
        return [_("Enter a price.")]
    if price < 0:
        return [_("A price cannot be negative.")]
    if price != money_round(price):
        return [_("Use at most two decimal places.")]
    if price < rules.min_resale_price:
        return [
            _(
                "%(price)s is below the supplier's minimum resale price of %(min)s: the "
                "supplier does not allow selling this product cheaper."
            )
            % {"price": yuan(price), "min": yuan(rules.min_resale_price)}
        ]
    return []


class PriceBasis:
    SUGGESTED = "suggested"
    SUPPLY = "supply"


def price_by_rule(rules: SkuPriceRules, *, basis: str, percent: Decimal) -> Decimal:
    """The bulk action's price: ``percent`` % of the suggested retail or of the supply price."""
    reference = rules.supply_price if basis == PriceBasis.SUPPLY else rules.suggested_retail_price
    return money_round(reference * percent / PERCENT)


def margin_percent(price: Decimal, rules: SkuPriceRules) -> Decimal | None:
    """The dealer's gross margin on the supply price, in percent of its price."""
    if price <= 0:
        return None
    return money_round((price - rules.supply_price) * PERCENT / price)
