"""The row type of the isolation table (tests/test_isolation.py); per-area modules
(tests/<area>/isolation_cases.py) build their rows from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tenants.models import Tenant


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Tenant], tuple[dict, str]]
    types: tuple[str, ...] = ("supplier", "dealer")
    home_status: int = 200
    method: str = "get"  # how the home owner opens it (a POST-only URL: "post")
    post: dict = field(default_factory=dict)
    intact: Callable[[dict], bool] | None = None
    # Who opens it: "owner" (the tenant's owner) or "buyer" (a buyer of the dealer; at a
    # supplier, where buyers do not exist, the owner).
    who: str = "owner"
