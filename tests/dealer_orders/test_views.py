"""The dealer's order list, export, detail and the review / cancel actions (backoffice)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Notification
from fulfilment.models import SupplierOrder
from orders.models import Order, OrderLine, OrderSplit, OrderStatus, SplitStatus
from orders.views_backoffice import EXPORT_HEADER
from supplychain.models import StockLevel
from tests.builders import buyer_make
from tests.orders.builders import order_build, review_orders, shop_build

LIST = "/backoffice/orders/"


def _reserved(supplier, offer_sku) -> int:
    with tenant_context(supplier):
        return sum(
            StockLevel.objects.filter(sku_id=offer_sku.sku_id).values_list("reserved", flat=True)
        )


def _numbers(response) -> set[str]:
    return {order.number for order in response.context["orders"]}


def test_list_filters_by_status_company_supplier_number_and_date(
    dealer, supplier_a, supplier_b, shop, buyer, manager_client
):
    other = buyer_make(dealer, email="other@zeta.test", company_name="Zeta Works 泽塔")
    both = order_build(dealer, buyer, [(shop["acme"][0], 1), (shop["beta"][0], 1)])
    acme_only = order_build(dealer, other, [(shop["acme"][1], 2)])
    beta_only = order_build(dealer, buyer, [(shop["beta"][1], 1)])
    with tenant_context(dealer):
        Order.objects.filter(pk=beta_only.pk).update(
            status=OrderStatus.CANCELLED, placed_at=timezone.now() - timedelta(days=10)
        )

    everything = manager_client.get(LIST)
    assert everything.status_code == 200
    assert _numbers(everything) >= {both.number, acme_only.number, beta_only.number}
    assert "Zeta Works 泽塔" in everything.content.decode()

    assert _numbers(manager_client.get(LIST, {"company": "zeta"})) == {acme_only.number}
    assert _numbers(manager_client.get(LIST, {"supplier": supplier_b.pk})) == {
        both.number,
        beta_only.number,
    }
    assert _numbers(manager_client.get(LIST, {"status": "cancelled"})) == {beta_only.number}
    assert _numbers(manager_client.get(LIST, {"number": acme_only.number[-6:]})) == {
        acme_only.number
    }
    today = timezone.localdate().isoformat()
    recent = _numbers(manager_client.get(LIST, {"date_from": today, "date_to": today}))
    assert recent == {both.number, acme_only.number}
    # The supplier filter offers the suppliers of this dealer's orders.
    supplier_choices = dict(everything.context["filters"].fields["supplier"].choices)
    assert supplier_choices[supplier_a.pk] == supplier_a.name


def test_list_query_count_does_not_grow_with_orders(
    dealer, shop, buyer, manager_client, django_assert_max_num_queries
):
    for _n in range(6):
        order_build(dealer, buyer, [(shop["acme"][0], 1), (shop["beta"][0], 1)])
    with django_assert_max_num_queries(14):  # 7 reads, each after its SET search_path
        response = manager_client.get(LIST)
    assert len(response.context["orders"]) == 6


def test_export_is_one_row_per_line_with_bom_prices_and_margin(dealer, shop, buyer, manager_client):
    order = order_build(dealer, buyer, [(shop["acme"][0], 2), (shop["beta"][1], 1)])
    other = order_build(dealer, buyer, [(shop["acme"][1], 1)])
    with tenant_context(dealer):
        Order.objects.filter(pk=other.pk).update(status=OrderStatus.CANCELLED)
        lines = {line.sku_code: line for line in OrderLine.objects.filter(order=order)}

    response = manager_client.get(LIST + "export/", {"status": "placed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufefforder_number,")  # BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {row["order_number"] for row in rows} == {order.number}
    assert {row["sku"] for row in rows} == set(lines)
    for row in rows:
        line = lines[row["sku"]]
        assert Decimal(row["line_total"]) == line.line_total
        assert Decimal(row["margin"]) == line.line_total - line.supply_price * line.quantity
        assert row["buyer_company"] == "Buyer Co 采购公司"


def test_export_is_for_managers(dealer, staff_client):
    assert staff_client.get(LIST + "export/").status_code == 403


def test_detail_shows_each_supplier_part_with_margin_and_history(
    dealer, supplier_a, supplier_b, shop, buyer, manager_client
):
    order = order_build(dealer, buyer, [(shop["acme"][0], 2), (shop["beta"][1], 3)])
    with tenant_context(dealer):
        lines = list(OrderLine.objects.filter(order=order))
        splits = list(OrderSplit.objects.filter(order=order))
    response = manager_client.get(f"{LIST}{order.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Buyer Co 采购公司" in page
    for split in splits:
        assert split.supplier_name in page
        assert split.supplier_order_number in page
    margin = sum(line.line_total - line.supply_price * line.quantity for line in lines)
    assert response.context["detail"].margin == margin
    assert f"¥{margin:,.2f}" in page
    assert "Margin" in page
    # The creation of the order is in the history, with who placed it.
    assert [row.to_status for row in response.context["detail"].history] == ["placed"]
    assert "Nothing has been shipped yet." in page


def test_staff_see_the_order_without_supply_prices(dealer, shop, buyer, staff_client):
    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    response = staff_client.get(f"{LIST}{order.pk}/")
    assert response.status_code == 200
    assert "Margin" not in response.content.decode()
    assert staff_client.post(f"{LIST}{order.pk}/release/").status_code == 403


def test_another_dealers_order_is_not_found_and_stays_as_it_was(
    dealer, dealer_b, supplier_a, buyer, manager_client
):
    from tests.test_isolation import pk_unused_elsewhere

    skus = shop_build(dealer_b, [supplier_a], prefix="OMG")
    omega_buyer = buyer_make(dealer_b, email="omega-buyer@zeta.test", company_name="Omega Buyer")
    with tenant_context(dealer_b):
        pk_unused_elsewhere(Order)  # the id exists at omega only
    foreign = order_build(dealer_b, omega_buyer, [(skus["acme"][0], 1)])

    assert manager_client.get(f"{LIST}{foreign.pk}/").status_code == 404
    assert manager_client.post(f"{LIST}{foreign.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert manager_client.post(f"{LIST}{foreign.pk}/release/").status_code == 404
    with tenant_context(dealer_b):
        assert Order.objects.get(pk=foreign.pk).status == OrderStatus.PLACED
    connection.set_schema_to_public()


def test_release_sends_a_reviewed_order_to_the_suppliers(
    dealer, supplier_a, shop, buyer, manager_client
):
    review_orders(dealer)
    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    assert order.status == OrderStatus.REVIEW
    page = manager_client.get(f"{LIST}{order.pk}/").content.decode()
    assert "Release to the suppliers" in page

    response = manager_client.post(f"{LIST}{order.pk}/release/", follow=True)
    assert "went to the suppliers" in response.content.decode()
    with tenant_context(dealer):
        order.refresh_from_db()
        split = OrderSplit.objects.get(order=order)
        assert order.status == OrderStatus.PLACED and split.status == SplitStatus.PENDING
    with tenant_context(supplier_a):
        assert SupplierOrder.objects.get(pk=split.supplier_order_id).status == SplitStatus.PENDING
    # A second click changes nothing.
    again = manager_client.post(f"{LIST}{order.pk}/release/")
    assert again.status_code == 302
    with tenant_context(dealer):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED


def test_release_is_post_only(dealer, shop, buyer, manager_client):
    review_orders(dealer)
    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    assert manager_client.get(f"{LIST}{order.pk}/release/").status_code == 405
    with tenant_context(dealer):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.REVIEW


def test_dealer_cancel_releases_stock_and_tells_the_buyer(
    dealer, supplier_a, supplier_b, shop, buyer, manager_client
):
    acme_sku, beta_sku = shop["acme"][0], shop["beta"][0]
    order = order_build(dealer, buyer, [(acme_sku, 3), (beta_sku, 2)])
    assert _reserved(supplier_a, acme_sku) == 3

    response = manager_client.post(
        f"{LIST}{order.pk}/cancel/", {"reason": "Buyer phoned: wrong model"}, follow=True
    )
    assert "is cancelled" in response.content.decode()
    with tenant_context(dealer):
        order.refresh_from_db()
        assert order.status == OrderStatus.CANCELLED
        assert set(OrderSplit.objects.filter(order=order).values_list("status", flat=True)) == {
            SplitStatus.CANCELLED
        }
        told = Notification.objects.filter(recipient_id=buyer.pk, kind="order.cancelled")
        assert told.count() == 1
        assert order.number in told.get().title
        assert told.get().body == "Buyer phoned: wrong model"
    assert _reserved(supplier_a, acme_sku) == 0
    assert _reserved(supplier_b, beta_sku) == 0


def test_cancel_without_a_reason_changes_nothing(dealer, supplier_a, shop, buyer, manager_client):
    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    response = manager_client.post(f"{LIST}{order.pk}/cancel/", {"reason": "  "}, follow=True)
    assert "Say why the order is cancelled." in response.content.decode()
    with tenant_context(dealer):
        assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED
    assert _reserved(supplier_a, shop["acme"][0]) == 1


@pytest.mark.parametrize("path", ["", "1/", "create/"])
def test_buyers_cannot_open_the_backoffice(dealer, buyer, host_client, path):
    from tests.accounts.helpers import signed_in

    client = signed_in(host_client(dealer), dealer, buyer)
    assert client.get(LIST + path).status_code == 403


def test_export_at_another_dealer_has_none_of_this_dealers_orders(
    dealer, dealer_b, shop, buyer, host_client
):
    from accounts.models import Role
    from tests.accounts.helpers import member_make, signed_in

    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    omega_owner = member_make(dealer_b, email="export-owner@omega.test", role=Role.OWNER)
    client = signed_in(host_client(dealer_b), dealer_b, omega_owner)
    response = client.get(LIST + "export/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert order.number not in body and "Buyer Co 采购公司" not in body
    assert body.strip() == "\ufeff" + ",".join(EXPORT_HEADER)


def test_a_manager_confirms_a_bank_transfer_from_the_order(dealer, shop, buyer, manager_client):
    from orders.models import Payment, PaymentRecordStatus, PaymentStatus

    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    with tenant_context(dealer):
        payment = Payment.objects.create(
            order=order, method="bank_transfer", amount=order.total, reference="TRX-778"
        )
    page = manager_client.get(f"{LIST}{order.pk}/").content.decode()
    assert "TRX-778" in page and "Confirm receipt of payment" in page

    response = manager_client.post(f"{LIST}{order.pk}/payments/{payment.pk}/confirm/", follow=True)
    assert "The payment is confirmed." in response.content.decode()
    with tenant_context(dealer):
        payment.refresh_from_db()
        assert payment.status == PaymentRecordStatus.SUCCEEDED
        assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.PAID
    # Rejecting it afterwards is refused with a message; it stays confirmed.
    refused = manager_client.post(
        f"{LIST}{order.pk}/payments/{payment.pk}/reject/", {"reason": "x"}, follow=True
    )
    assert "cannot be rejected" in refused.content.decode()
    with tenant_context(dealer):
        payment.refresh_from_db()
        assert payment.status == PaymentRecordStatus.SUCCEEDED


def test_a_payment_of_another_order_is_not_found(dealer, shop, buyer, manager_client):
    from orders.models import Payment

    first = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    second = order_build(dealer, buyer, [(shop["acme"][1], 1)])
    with tenant_context(dealer):
        payment = Payment.objects.create(order=second, method="bank_transfer", amount=second.total)
    response = manager_client.post(f"{LIST}{first.pk}/payments/{payment.pk}/confirm/")
    assert response.status_code == 404
    with tenant_context(dealer):
        assert Payment.objects.get(pk=payment.pk).status == "pending"
