"""Money: Decimal amounts in one currency, rounded once, here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # fits max_digits=12, decimal_places=2


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")


DEFAULT_CURRENCY = Currency.CNY


def money_round(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up: the only rounding of money in the catalogue."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_parse(text: str) -> Decimal:
    """A non-negative amount with at most two decimals from user text (CSV cells, inputs).

    Accepts "1234.5", "1,234.50", "¥1234.50". Raises ValueError with a translatable reason.
    """
    cleaned = str(text).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": text}) from None
    if not value.is_finite():
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": text})
    if value < 0:
        raise ValueError(_("An amount cannot be negative."))
    if value != value.quantize(CENT):
        raise ValueError(_("Use at most two decimal places (“%(value)s”).") % {"value": text})
    if value > MAX_AMOUNT:
        raise ValueError(_("“%(value)s” is too large.") % {"value": text})
    return money_round(value)
