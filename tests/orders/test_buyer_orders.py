"""The buyer company's orders: list, detail, cancel, confirm receipt, reorder."""

from __future__ import annotations

from datetime import date

from django_tenants.utils import tenant_context

from accounts.models import Notification
from buyers.models import Buyer, BuyerRole
from channels import services as channel_services
from channels.models import Listing, ListingStatus
from fulfilment.models import SupplierOrder
from orders.models import Order, OrderSplit, OrderStatus
from orders.workflow.fulfilment import supplier_order_confirm
from supplychain.models import StockLevel
from tests.builders import buyer_make
from tests.orders.builders import order_build, order_ship
from tests.orders.shop_helpers import buyer_client, cart_of, client_for

_ = (buyer_client,)  # fixture


def _reserved(supplier, sku) -> int:
    with tenant_context(supplier):
        return sum(StockLevel.objects.filter(sku_id=sku.sku_id).values_list("reserved", flat=True))


def _reload(dealer, order) -> Order:
    with tenant_context(dealer):
        return Order.objects.get(pk=order.pk)


def _confirm(dealer, supplier, order) -> None:
    with tenant_context(dealer):
        split = OrderSplit.objects.get(order_id=order.pk, supplier_id=supplier.pk)
    with tenant_context(supplier):
        supplier_order_confirm(
            supplier_order_id=split.supplier_order_id, actor=None, promised_ship_date=date.today()
        )


def test_the_list_shows_the_companys_orders_only_newest_first(
    dealer, shop, buyer, buyer_client, host_client
):
    first = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    second = order_build(dealer, buyer, [(shop["beta"][0], 2)])
    with tenant_context(dealer):
        company = Buyer.objects.get(user=buyer).company
    colleague = buyer_make(dealer, email="colleague@buyer.test", with_address=False)
    with tenant_context(dealer):  # the colleague joins the same company
        Buyer.objects.filter(user=colleague).update(company=company, role=BuyerRole.PURCHASER)
    mine = order_build(dealer, colleague, [(shop["acme"][1], 1)])
    other = order_build(dealer, buyer_make(dealer, email="o@other.test"), [(shop["acme"][0], 1)])

    page = buyer_client.get("/orders/").content.decode()
    assert page.index(mine.number) < page.index(second.number) < page.index(first.number)
    assert other.number not in page
    assert buyer_client.get(f"/orders/{other.pk}/").status_code == 404
    assert buyer_client.get(f"/orders/{mine.pk}/").status_code == 200  # the company's order

    filtered = buyer_client.get("/orders/", {"status": "cancelled"}).content.decode()
    assert first.number not in filtered and "No orders in this status." in filtered


def test_the_order_list_is_paginated_with_a_fixed_number_of_queries(
    dealer, shop, buyer, buyer_client, django_assert_max_num_queries
):
    order_build(dealer, buyer, [(shop["acme"][0], 1)])
    buyer_client.get("/orders/")
    with django_assert_max_num_queries(20) as few:
        buyer_client.get("/orders/")
    for n in range(21):
        order_build(dealer, buyer, [(shop["acme"][n % 2], 1)])
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the COUNT of pages
        page = buyer_client.get("/orders/").content.decode()
    assert page.count('href="/orders/') >= 20 and "Page 1 of 2" in page
    assert "Page 2 of 2" in buyer_client.get("/orders/", {"page": 2}).content.decode()


def test_the_detail_shows_parts_totals_payment_address_and_history(
    dealer, supplier_a, shop, buyer, buyer_client
):
    order = order_build(dealer, buyer, [(shop["acme"][0], 2), (shop["beta"][1], 1)])
    _confirm(dealer, supplier_a, order)
    page = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    assert "Acme Electronics" in page and "Beta Industrial" in page
    assert shop["acme"][0].code in page and "¥4,000.00" in page and "¥6,012.00" in page
    assert f"Ships by {date.today():%Y-%m-%d}" in page
    assert "Bank transfer" in page and "Unpaid" in page
    assert "Send the transfer proof" in page
    assert order.ship_address in page
    assert "Awaiting supplier confirmation" in page  # the order's first history row
    assert page.count("Confirmed") >= 2  # the part's status and its history row


def test_cancelling_before_confirmation_releases_the_stock(
    dealer, supplier_a, shop, buyer, buyer_client
):
    sku = shop["acme"][0]
    order = order_build(dealer, buyer, [(sku, 4)])
    assert _reserved(supplier_a, sku) == 4
    assert "Cancel the order" in buyer_client.get(f"/orders/{order.pk}/").content.decode()
    refused = buyer_client.post(f"/orders/{order.pk}/cancel/", {"reason": ""}, follow=True)
    assert "Say why you cancel the order." in refused.content.decode()
    assert _reload(dealer, order).status == OrderStatus.PLACED

    response = buyer_client.post(f"/orders/{order.pk}/cancel/", {"reason": "下错单了"}, follow=True)
    assert f"Order {order.number} has been cancelled." in response.content.decode()
    assert _reload(dealer, order).status == OrderStatus.CANCELLED
    assert _reserved(supplier_a, sku) == 0
    with tenant_context(supplier_a):
        assert SupplierOrder.objects.get(dealer_order_number=order.number).status == "cancelled"
    assert "下错单了" in response.content.decode()  # in the history


def test_a_confirmed_order_cannot_be_cancelled_by_the_buyer(
    dealer, supplier_a, shop, buyer, buyer_client
):
    sku = shop["acme"][0]
    order = order_build(dealer, buyer, [(sku, 1)])
    _confirm(dealer, supplier_a, order)
    response = buyer_client.post(f"/orders/{order.pk}/cancel/", {"reason": "late"}, follow=True)
    assert "can no longer be cancelled online" in response.content.decode()
    assert _reload(dealer, order).status == OrderStatus.CONFIRMED
    assert _reserved(supplier_a, sku) == 1


def test_receipt_is_confirmed_on_a_shipped_order(dealer, shop, buyer, buyer_client):
    order = order_build(dealer, buyer, [(shop["acme"][0], 1), (shop["beta"][0], 1)])
    early = buyer_client.post(f"/orders/{order.pk}/receipt/", follow=True)
    assert "not fully shipped yet" in early.content.decode()
    order_ship(dealer, order)
    page = buyer_client.get(f"/orders/{order.pk}/").content.decode()
    assert _reload(dealer, order).status == OrderStatus.SHIPPED
    assert "Confirm receipt" in page and "SF" in page  # the tracking numbers
    response = buyer_client.post(f"/orders/{order.pk}/receipt/", follow=True)
    assert "receipt of the goods is confirmed" in response.content.decode()
    assert _reload(dealer, order).status == OrderStatus.COMPLETED
    assert buyer_client.post(f"/orders/{order.pk}/receipt/").status_code == 302  # twice: no error
    assert _reload(dealer, order).status == OrderStatus.COMPLETED


def test_reorder_puts_the_lines_back_skipping_what_is_no_longer_sold(
    dealer, shop, buyer, buyer_client
):
    acme_sku, beta_sku = shop["acme"][0], shop["beta"][1]
    order = order_build(dealer, buyer, [(acme_sku, 3), (beta_sku, 2)])
    with tenant_context(dealer):
        listing = Listing.objects.get(offer_id=beta_sku.offer_id)
        channel_services.listing_transition(actor=None, listing=listing, to=ListingStatus.DELISTED)
    response = buyer_client.post(f"/orders/{order.pk}/reorder/", follow=True)
    page = response.content.decode()
    assert f"The items of order {order.number} are in your cart." in page
    assert "No longer sold here, so not added" in page
    assert cart_of(dealer, buyer) == {acme_sku.pk: 3}


def test_another_companys_order_is_404_for_every_action(
    dealer, supplier_a, shop, buyer, host_client
):
    sku = shop["acme"][0]
    order = order_build(dealer, buyer, [(sku, 2)])
    stranger_user = buyer_make(dealer, email="s@other.test")
    stranger = client_for(dealer, stranger_user, host_client)
    base = f"/orders/{order.pk}/"
    assert stranger.get(base).status_code == 404
    for action in ("cancel/", "receipt/", "reorder/", "pay/", "proof/"):
        assert stranger.post(base + action, {"reason": "x"}).status_code == 404, action
    assert _reload(dealer, order).status == OrderStatus.PLACED
    assert _reserved(supplier_a, sku) == 2
    assert cart_of(dealer, stranger_user) == {}


def test_the_buyer_reads_their_notifications(dealer, shop, buyer, buyer_client):
    order = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    page = buyer_client.get("/orders/notifications/").content.decode()
    assert f"Order {order.number} received" in page
    with tenant_context(dealer):
        notification = Notification.objects.get(recipient=buyer, kind="order.placed")
    opened = buyer_client.post(f"/orders/notifications/{notification.pk}/read/", {"open": "1"})
    assert opened["Location"] == f"/orders/{order.pk}/"
    with tenant_context(dealer):
        notification.refresh_from_db()
        assert notification.read_at is not None
