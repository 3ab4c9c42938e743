"""After-sales test data, made the real way: an order placed through checkout, confirmed and
shipped by the supplier through orders.workflow.fulfilment, received by the buyer through
orders.workflow.lifecycle; requests moved through orders.workflow.aftersales."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from fulfilment.models import StockReservation, SupplierAfterSales, SupplierOrder
from orders.models import AfterSalesKind, AfterSalesRequest, Order, OrderLine
from orders.workflow import aftersales as workflow
from orders.workflow.fulfilment import shipment_create, supplier_order_confirm
from orders.workflow.lifecycle import order_receipt_confirm
from supplychain.models import StockLevel
from tests.orders.builders import order_build, shop_build


def photo_upload(name: str = "broken.jpg", colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def shipped_order(
    dealer, supplier, buyer, *, quantity: int = 3, receive: bool = True, stock: int = 20
) -> dict:
    """``buyer`` orders ``quantity`` of one SKU of ``supplier`` at ``dealer``; the supplier
    confirms and ships it all; the buyer confirms receipt (``receive``).

    Returns ids: order, line, supplier_order, supplier_line, sku (supplier's), stock_level."""
    skus = shop_build(dealer, [supplier], stock=stock, prefix="AS")[supplier.slug]
    order = order_build(dealer, buyer, [(skus[0], quantity)])
    with tenant_context(dealer):
        line = OrderLine.objects.get(order=order)
        split = line.split
    with tenant_context(supplier):
        supplier_order = SupplierOrder.objects.get(pk=split.supplier_order_id)
        supplier_order_confirm(
            supplier_order_id=supplier_order.pk,
            actor=None,
            promised_ship_date=timezone.localdate(),
        )
        supplier_line = supplier_order.lines.get()
        shipment_create(
            supplier_order_id=supplier_order.pk,
            actor=None,
            carrier_code="sf",
            tracking_number=f"SF{uuid.uuid4().hex[:12].upper()}",
            lines={supplier_line.pk: quantity},
        )
        reservation = StockReservation.objects.get(line=supplier_line)
    if receive:
        with tenant_context(dealer):
            order_receipt_confirm(order_id=order.pk, actor=buyer)
    connection.set_schema_to_public()
    return {
        "order": order.pk,
        "order_number": order.number,
        "line": line.pk,
        "supplier_order": supplier_order.pk,
        "supplier_line": supplier_line.pk,
        "sku": supplier_line.sku_id,
        "stock_level": reservation.stock_level_id,
    }


def request_make(dealer, buyer, ids: dict, *, kind=AfterSalesKind.RETURN, quantity=1, photos=()):
    with tenant_context(dealer):
        request = workflow.aftersales_request(
            order_id=ids["order"],
            line_id=ids["line"],
            buyer=buyer,
            kind=kind,
            quantity=quantity,
            reason="屏幕破损 Screen cracked",
            description="到货时屏幕有裂纹",
            photos=list(photos),
        )
    connection.set_schema_to_public()
    return request


def dealer_approve(dealer, request_id: int, actor=None):
    with tenant_context(dealer):
        request = workflow.aftersales_dealer_decide(
            request_id=request_id, actor=actor, approve=True
        )
    connection.set_schema_to_public()
    return request


def supplier_approve(supplier, supplier_request_id: int, actor=None):
    with tenant_context(supplier):
        copy = workflow.aftersales_supplier_decide(
            supplier_request_id=supplier_request_id, actor=actor, approve=True
        )
    connection.set_schema_to_public()
    return copy


def approved_request(dealer, supplier, buyer, ids, **request_kwargs) -> AfterSalesRequest:
    request = request_make(dealer, buyer, ids, **request_kwargs)
    request = dealer_approve(dealer, request.pk)
    supplier_approve(supplier, request.supplier_request_id)
    return request_get(dealer, request.pk)


def request_get(dealer, pk: int) -> AfterSalesRequest:
    with tenant_context(dealer):
        return AfterSalesRequest.objects.get(pk=pk)


def copy_get(supplier, pk: int) -> SupplierAfterSales:
    with tenant_context(supplier):
        return SupplierAfterSales.objects.get(pk=pk)


def stock_get(supplier, pk: int) -> StockLevel:
    with tenant_context(supplier):
        return StockLevel.objects.get(pk=pk)


def order_get(dealer, pk: int) -> Order:
    with tenant_context(dealer):
        return Order.objects.get(pk=pk)


def line_get(dealer, pk: int) -> OrderLine:
    with tenant_context(dealer):
        return OrderLine.objects.get(pk=pk)


def window_close(dealer, order_id: int, days_ago: int) -> None:
    """Pretend the buyer confirmed receipt ``days_ago`` days ago."""
    with tenant_context(dealer):
        Order.objects.filter(pk=order_id).update(
            completed_at=timezone.now() - timedelta(days=days_ago)
        )
