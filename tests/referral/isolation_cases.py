"""Rows of tests/test_isolation.py for this area: ``CASES`` (checked across tenants) and
``EXEMPT`` (name: why no cross-tenant check applies)."""

from __future__ import annotations

from tests.isolation_case import Case

CASES: list[Case] = []
EXEMPT: dict[str, str] = {}
