"""The price-control rules, in one place, with messages people understand.

The database enforces the three-price rules too (suppliers.models.Sku constraints); this
module lets forms, the CSV import and the services explain a refusal before it reaches the
database, and checks what one row cannot (tier order).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def price_rule_errors(
    *,
    supply_price: Decimal | None,
    suggested_retail_price: Decimal | None,
    min_resale_price: Decimal | None,
    tiers: list[tuple[int, Decimal]] | None = None,
    moq: int = 1,
) -> dict[str, list[str]]:
    """Broken rules by field name ("supply_price", "min_resale_price", ..., "tiers")."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    prices = {
        "supply_price": supply_price,
        "suggested_retail_price": suggested_retail_price,
        "min_resale_price": min_resale_price,
    }
    for field, value in prices.items():
        if value is not None and value < 0:
            add(field, _("A price cannot be negative."))
    if supply_price is not None and min_resale_price is not None:
        if min_resale_price < supply_price:
            add(
                "min_resale_price",
                _(
                    "The minimum resale price (%(min)s) cannot be below the supply price "
                    "(%(supply)s): dealers would have to sell at a loss."
                )
                % {"min": _yuan(min_resale_price), "supply": _yuan(supply_price)},
            )
    if min_resale_price is not None and suggested_retail_price is not None:
        if suggested_retail_price < min_resale_price:
            add(
                "suggested_retail_price",
                _(
                    "The suggested retail price (%(suggested)s) cannot be below the minimum "
                    "resale price (%(min)s)."
                )
                % {"suggested": _yuan(suggested_retail_price), "min": _yuan(min_resale_price)},
            )
    if tiers:
        previous_price, previous_label = supply_price, _("the supply price")
        seen: set[int] = set()
        for quantity, unit_price in sorted(tiers, key=lambda t: t[0]):
            if quantity in seen:
                add("tiers", _("Two tiers start at %(qty)s.") % {"qty": quantity})
                continue
            seen.add(quantity)
            if quantity < 2:
                add(
                    "tiers",
                    _("A tier starts at 2 or more; the supply price is the price from 1."),
                )
            elif quantity <= moq:
                add(
                    "tiers",
                    _(
                        "The tier from %(qty)s is not above the minimum order quantity "
                        "(%(moq)s): it would never apply differently."
                    )
                    % {"qty": quantity, "moq": moq},
                )
            if unit_price < 0:
                add("tiers", _("A price cannot be negative."))
            elif previous_price is not None and unit_price >= previous_price:
                add(
                    "tiers",
                    _(
                        "The price from %(qty)s (%(price)s) must be lower than %(previous)s "
                        "(%(previous_price)s)."
                    )
                    % {
                        "qty": quantity,
                        "price": _yuan(unit_price),
                        "previous": previous_label,
                        "previous_price": _yuan(previous_price),
                    },
                )
            previous_price = unit_price
            previous_label = _("the tier from %(qty)s") % {"qty": quantity}
    return errors


def tiers_format(tiers: list[tuple[int, Decimal]]) -> str:
    """``10:95.00|50:90.00``: the CSV form of tiered prices."""
    return "|".join(f"{quantity}:{price:.2f}" for quantity, price in sorted(tiers))


def tiers_parse(text: str) -> list[tuple[int, Decimal]]:
    """Parse ``10:95.00|50:90.00``; ValueError with a clear reason."""
    from suppliers.money import money_parse

    tiers = []
    for part in (text or "").replace("；", "|").replace(";", "|").split("|"):
        part = part.strip()
        if not part:
            continue
        quantity_text, sep, price_text = part.replace("：", ":").partition(":")
        if not sep:
            raise ValueError(
                _("Write tiered prices as quantity:price separated by |, e.g. 10:95.00|50:90.00.")
            )
        try:
            quantity = int(quantity_text.strip())
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a whole quantity.") % {"value": quantity_text.strip()}
            ) from None
        tiers.append((quantity, money_parse(price_text)))
    return tiers
