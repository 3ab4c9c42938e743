"""Order lines as the exchange holds them (routing.RouteLine), for settlement tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from routing.models import OrderRoute, RouteLine, RouteLineStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def line_make(
    *,
    dealer,
    supplier,
    category_id: int,
    line_total: str | Decimal,
    supply_total: str | Decimal,
    settleable: dt.date,
    quantity: int = 1,
    refunded: str | Decimal = "0",
    refunded_supply: str | Decimal = "0",
    status: str = RouteLineStatus.RECEIVED,
) -> RouteLine:
    """A received order line (with its route) whose after-sales window closed on ``settleable``."""
    n = next(_ids)
    route = OrderRoute.objects.create(
        dealer=dealer,
        supplier=supplier,
        dealer_order_id=n,
        dealer_order_number=f"D{n:08d}",
        dealer_split_id=n,
        supplier_order_id=n,
        supplier_order_number=f"S{n:08d}",
        status="received",
        goods_total=Decimal(line_total),
        supply_total=Decimal(supply_total),
    )
    return RouteLine.objects.create(
        route=route,
        dealer=dealer,
        supplier=supplier,
        dealer_line_id=n,
        supplier_line_id=n,
        category_id=category_id,
        sku_code=f"SKU-{n}",
        quantity=quantity,
        unit_price=Decimal(line_total) / quantity,
        line_total=Decimal(line_total),
        supply_price=Decimal(supply_total) / quantity,
        supply_total=Decimal(supply_total),
        refunded_amount=Decimal(refunded),
        refunded_supply=Decimal(refunded_supply),
        status=status,
        received_at=at(settleable) - dt.timedelta(days=7),
        settleable_at=at(settleable),
    )
