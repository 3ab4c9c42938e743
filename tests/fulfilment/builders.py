"""Orders for the fulfilment tests, written the way checkout leaves them.

``order_build`` writes, consistently: a product with one SKU per line and its stock at the
supplier (``reserved`` raised by what each line holds), the dealer's ``Order`` / ``OrderSplit`` /
``OrderLine`` rows for a buyer, the supplier's ``SupplierOrder`` with lines and
``StockReservation`` rows, and the public ``OrderRoute``. Direct rows rather than
orders.workflow.checkout.order_place: a test picks any stock layout (one line held in two
warehouses) and status without building offers, listings and a cart first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F
from django_tenants.utils import tenant_context

from accounts.models import User
from catalog.seed import category_tree_seed
from orders.models import Order, OrderLine, OrderSplit, PaymentMethod, SplitStatus
from orders.workflow.common import next_number
from routing.models import OrderRoute
from tests.builders import buyer_make
from tests.suppliers.builders import phone_build, warehouse_build

_serial = itertools.count(1)
SUPPLY = Decimal("100.00")
PRICE = Decimal("150.00")


@dataclass
class Built:
    supplier_order_id: int
    number: str
    dealer_order_id: int
    dealer_order_number: str
    split_id: int
    route_id: int
    buyer_id: int
    supplier_line_ids: list[int] = field(default_factory=list)
    dealer_line_ids: list[int] = field(default_factory=list)
    # per line: [(stock level id, held)]
    holds: list[list[tuple[int, int]]] = field(default_factory=list)


def order_build(
    *,
    supplier,
    dealer,
    lines: list[list[tuple[str, int, int]]] | None = None,
    status: str = SplitStatus.PENDING,
    buyer: User | None = None,
    buyer_company: str = "Buyer Co 采购公司",
    attach_to: Built | None = None,
) -> Built:
    """One supplier order of ``supplier`` for a buyer of ``dealer``.

    ``lines``: per line, where its units are held: ``[(warehouse code, on hand, held), ...]``;
    the line's quantity is the sum held. Default: one line, 3 held of 10 in SH01.
    ``attach_to``: another supplier's part of that same dealer order (same buyer).
    """
    from fulfilment.models import StatusChange, StockReservation, SupplierOrder, SupplierOrderLine
    from supplychain.models import StockLevel

    lines = lines or [[("SH01", 10, 3)]]
    serial = next(_serial)
    category_tree_seed()
    if attach_to is not None:
        with tenant_context(dealer):
            buyer = User.objects.get(pk=attach_to.buyer_id)
    if buyer is None:
        buyer = buyer_make(
            dealer, email=f"fb{serial}-{dealer.slug}@buyer.test", company_name=buyer_company
        )
    with tenant_context(supplier):
        product = phone_build(
            code=f"FUL-{serial}", name=f"履约测试商品 {serial}", skus=len(lines), supply="100.00"
        )
        skus = list(product.skus.order_by("pk"))
        holds = []
        for sku, line in zip(skus, lines, strict=True):
            line_holds = []
            for code, on_hand, held in line:
                warehouse = warehouse_build(code=code, name=f"仓库 {code}")
                level, _created = StockLevel.objects.get_or_create(
                    sku=sku, warehouse=warehouse, defaults={"on_hand": on_hand}
                )
                StockLevel.objects.filter(pk=level.pk).update(
                    on_hand=on_hand, reserved=F("reserved") + held
                )
                line_holds.append((level.pk, held))
            holds.append(line_holds)
        sku_rows = [(sku.pk, sku.code, sku.product.name) for sku in skus]
        supplier_order_id, supplier_number = next_number("SO", SupplierOrder._meta.db_table)

    quantities = [sum(held for _c, _o, held in line) for line in lines]
    goods = sum(PRICE * q for q in quantities)
    supply = sum(SUPPLY * q for q in quantities)
    with tenant_context(dealer):
        company = User.objects.get(pk=buyer.pk).buyer.company
        if attach_to is not None:
            order = Order.objects.get(pk=attach_to.dealer_order_id)
            Order.objects.filter(pk=order.pk).update(
                goods_total=F("goods_total") + goods, total=F("total") + goods
            )
            order_id, order_number = order.pk, order.number
        else:
            order_id, order_number = next_number("DO", Order._meta.db_table)
            order = _order_new(order_id, order_number, status, company, buyer, goods)
        split = OrderSplit.objects.create(
            order=order,
            supplier_id=supplier.pk,
            supplier_name=supplier.name,
            supplier_order_id=supplier_order_id,
            supplier_order_number=supplier_number,
            status=status,
            goods_total=goods,
            supply_total=supply,
        )
        dealer_lines = [
            OrderLine.objects.create(
                order=order,
                split=split,
                offer_sku_id=900000 + sku_id,
                supplier_sku_id=sku_id,
                sku_code=code,
                product_name=name,
                quantity=q,
                unit_price=PRICE,
                line_total=PRICE * q,
                supply_price=SUPPLY,
                position=index,
            )
            for index, ((sku_id, code, name), q) in enumerate(
                zip(sku_rows, quantities, strict=True)
            )
        ]

    with tenant_context(supplier):
        supplier_order = SupplierOrder(
            pk=supplier_order_id,
            number=supplier_number,
            status=status,
            dealer_id=dealer.pk,
            dealer_name=dealer.name,
            dealer_order_number=order_number,
            dealer_split_id=split.pk,
            buyer_company=company.name,
            ship_recipient="王小明",
            ship_phone="13800138000",
            ship_address="上海市浦东新区世纪大道 100 号",
            goods_total=supply,
        )
        supplier_order.save(force_insert=True)
        supplier_lines = []
        for (sku_id, code, name), q, dealer_line, line_holds in zip(
            sku_rows, quantities, dealer_lines, holds, strict=True
        ):
            supplier_line = SupplierOrderLine.objects.create(
                order=supplier_order,
                sku_id=sku_id,
                dealer_line_id=dealer_line.pk,
                sku_code=code,
                product_name=name,
                quantity=q,
                supply_price=SUPPLY,
                line_total=SUPPLY * q,
            )
            for level_id, held in line_holds:
                StockReservation.objects.create(
                    line=supplier_line, stock_level_id=level_id, quantity=held
                )
            supplier_lines.append(supplier_line)
        StatusChange.objects.create(
            subject_type=SupplierOrder.HISTORY_TYPE,
            subject_id=supplier_order.pk,
            to_status=status,
            actor_label=dealer.name,
        )

    route = OrderRoute.objects.create(
        dealer_id=dealer.pk,
        supplier_id=supplier.pk,
        dealer_order_id=order_id,
        dealer_order_number=order_number,
        dealer_split_id=split.pk,
        supplier_order_id=supplier_order_id,
        supplier_order_number=supplier_number,
        status=status,
        goods_total=goods,
        supply_total=supply,
    )
    with tenant_context(dealer):
        for dealer_line, supplier_line in zip(dealer_lines, supplier_lines, strict=True):
            OrderLine.objects.filter(pk=dealer_line.pk).update(supplier_line_id=supplier_line.pk)

    return Built(
        supplier_order_id=supplier_order_id,
        number=supplier_number,
        dealer_order_id=order_id,
        dealer_order_number=order_number,
        split_id=split.pk,
        route_id=route.pk,
        buyer_id=buyer.pk,
        supplier_line_ids=[line.pk for line in supplier_lines],
        dealer_line_ids=[line.pk for line in dealer_lines],
        holds=holds,
    )


def _order_new(order_id, order_number, status, company, buyer, goods) -> Order:
    order = Order(
        pk=order_id,
        number=order_number,
        status=Order.status_from_splits([status]),
        company=company,
        buyer_id=buyer.pk,
        idempotency_key=f"fulfilment-test-{order_number}",
        fingerprint="x",
        ship_recipient="王小明",
        ship_phone="13800138000",
        ship_address="上海市浦东新区世纪大道 100 号",
        shipping_method="快递",
        payment_method=PaymentMethod.BANK_TRANSFER,
        goods_total=goods,
        shipping_fee=Decimal("0.00"),
        total=goods,
    )
    order.save(force_insert=True)
    return order


def stock_of(supplier, level_id: int) -> tuple[int, int]:
    """(on_hand, reserved) of a stock row."""
    from supplychain.models import StockLevel

    with tenant_context(supplier):
        level = StockLevel.objects.get(pk=level_id)
        return level.on_hand, level.reserved
