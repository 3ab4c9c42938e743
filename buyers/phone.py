"""Mobile numbers of buyers: mainland China numbers, stored as 11 digits."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def mobile_normalise(value: str | None) -> str:
    """The 11-digit form of a mainland mobile number ("+86 138-0013-8000" → "13800138000"),
    or "" when ``value`` is not one."""
    digits = re.sub(r"[\s\-().]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.match(digits) else ""
