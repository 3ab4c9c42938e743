"""The dealer's prices from the supplier's price control: tiers follow proportionally, the
minimum resale price holds at every tier."""

from decimal import Decimal

from channels.pricing import (
    PriceBasis,
    SkuPriceRules,
    dealer_tiers,
    effective_price,
    price_by_rule,
    price_floor_errors,
    tiers_parse,
    unit_price_for,
)

RULES = SkuPriceRules(
    supply_price=Decimal("1000.00"),
    suggested_retail_price=Decimal("2000.00"),
    min_resale_price=Decimal("1100.00"),
    price_tiers=((10, Decimal("950.00")), (50, Decimal("900.00"))),
)


def test_tiers_keep_the_suppliers_discounts_on_the_dealers_price():
    assert dealer_tiers(Decimal("1500.00"), RULES) == [
        (10, Decimal("1425.00")),
        (50, Decimal("1350.00")),
    ]
    assert unit_price_for(Decimal("1500.00"), RULES, 9) == Decimal("1500.00")
    assert unit_price_for(Decimal("1500.00"), RULES, 10) == Decimal("1425.00")
    assert unit_price_for(Decimal("1500.00"), RULES, 500) == Decimal("1350.00")


def test_no_tier_goes_below_the_minimum_resale_price():
    # 1,150 × 0.95 = 1,092.50 and × 0.90 = 1,035: both under the ¥1,100 floor. The first tier
    # is clamped to the floor, the second would be no cheaper and is dropped.
    assert dealer_tiers(Decimal("1150.00"), RULES) == [(10, Decimal("1100.00"))]
    assert dealer_tiers(Decimal("1100.00"), RULES) == []


def test_tiers_round_to_the_cent_half_up():
    rules = SkuPriceRules(
        supply_price=Decimal("3.00"),
        suggested_retail_price=Decimal("10.00"),
        min_resale_price=Decimal("3.00"),
        price_tiers=((10, Decimal("2.00")),),
    )
    # 9.99 × 2 / 3 = 6.66
    assert dealer_tiers(Decimal("9.99"), rules) == [(10, Decimal("6.66"))]
    # 10.00 × 2 / 3 = 6.666… → 6.67
    assert dealer_tiers(Decimal("10.00"), rules) == [(10, Decimal("6.67"))]


def test_an_unpriced_sku_sells_at_the_suggested_price_and_a_raised_floor_wins():
    assert effective_price(None, RULES) == Decimal("2000.00")
    raised = SkuPriceRules(**{**RULES.__dict__, "min_resale_price": Decimal("1800.00")})
    assert effective_price(Decimal("1500.00"), raised) == Decimal("1800.00")


def test_floor_errors_explain_the_rule():
    assert price_floor_errors(Decimal("1100.00"), RULES) == []
    [message] = price_floor_errors(Decimal("1099.99"), RULES)
    assert "¥1,099.99 is below the supplier's minimum resale price of ¥1,100.00" in message
    assert price_floor_errors(Decimal("-1"), RULES) == ["A price cannot be negative."]
    assert price_floor_errors(Decimal("1200.001"), RULES) == ["Use at most two decimal places."]


def test_bulk_price_rules():
    assert price_by_rule(RULES, basis=PriceBasis.SUGGESTED, percent=Decimal("90")) == Decimal(
        "1800.00"
    )
    assert price_by_rule(RULES, basis=PriceBasis.SUPPLY, percent=Decimal("133.335")) == Decimal(
        "1333.35"
    )


def test_malformed_tiers_in_an_offer_are_skipped():
    raw = [{"min_quantity": 50, "unit_price": "90"}, {"min_quantity": "x"}, {"unit_price": "1"}]
    assert tiers_parse(raw) == ((50, Decimal("90")),)
