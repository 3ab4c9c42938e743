"""Checkout on the storefront: the page, placing the order, double submissions, errors."""

from __future__ import annotations

import re
from decimal import Decimal

from django_tenants.utils import tenant_context

from buyers.models import Address, Buyer
from orders.models import OrderLine, PaymentMethod, PaymentStatus
from supplychain.models import StockLevel
from tests.builders import buyer_make
from tests.orders.shop_helpers import buyer_client, cart_of, cart_put, client_for, orders_of

_ = (buyer_client,)  # fixture


def _form(page: str) -> dict:
    """The values the checkout page preselects, as the browser would post them."""

    def hidden(name):
        return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)

    def checked(name):
        return re.search(rf'name="{name}" value="([^"]*)" checked', page).group(1)

    return {
        "idempotency_key": hidden("idempotency_key"),
        "cart_token": hidden("cart_token"),
        "address": checked("address"),
        "shipping_method": checked("shipping_method"),
        "payment_method": checked("payment_method"),
        "invoice_type": checked("invoice_type"),
        "invoice_company": "",
        "invoice_tax_number": "",
        "note": "",
    }


def _checkout(client) -> tuple[str, dict]:
    response = client.get("/checkout/")
    assert response.status_code == 200
    page = response.content.decode()
    return page, _form(page)


def test_checkout_page_shows_the_cart_address_book_and_fees(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 2), (shop["beta"][1], 10)])
    page, form = _checkout(buyer_client)
    assert "Shipped by Acme Electronics" in page and "Shipped by Beta Industrial" in page
    # 2 × 2,000 + 10 × 1,900 (volume price)
    assert "¥23,000.00" in page
    assert "顺丰标快 · ¥12.00" in page
    with tenant_context(dealer):
        default = Address.objects.get(company__buyers__user=buyer, is_default=True)
    assert form["address"] == str(default.pk)
    assert form["payment_method"] == PaymentMethod.BANK_TRANSFER
    assert 'value="on_account"' not in page  # no payment on account for this company
    assert "/account/addresses/create/?next=" in page
    assert re.fullmatch(r"[0-9a-f]{32}", form["idempotency_key"])


def test_placing_the_order_charges_what_was_shown_and_empties_the_cart(
    dealer, shop, buyer, buyer_client
):
    cart_put(dealer, buyer, [(shop["acme"][0], 10), (shop["beta"][0], 1)])
    page, form = _checkout(buyer_client)
    response = buyer_client.post("/checkout/", {**form, "note": "请尽快发货"})
    [order] = orders_of(dealer, buyer_id=buyer.pk)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert order.goods_total == Decimal("21000.00")  # 10 × 1,900 + 2,000: as shown
    assert "¥21,000.00" in page
    assert order.total == Decimal("21012.00") and order.note == "请尽快发货"
    with tenant_context(dealer):
        prices = dict(
            OrderLine.objects.filter(order=order).values_list("offer_sku_id", "unit_price")
        )
    assert prices == {
        shop["acme"][0].pk: Decimal("1900.00"),
        shop["beta"][0].pk: Decimal("2000.00"),
    }
    assert cart_of(dealer, buyer) == {}
    detail = buyer_client.get(response["Location"]).content.decode()
    assert order.number in detail and "¥21,012.00" in detail


def test_a_doubled_submission_places_one_order(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    _page, form = _checkout(buyer_client)
    first = buyer_client.post("/checkout/", form)
    second = buyer_client.post("/checkout/", form)
    orders = orders_of(dealer, buyer_id=buyer.pk)
    assert len(orders) == 1
    assert first["Location"] == second["Location"] == f"/orders/{orders[0].pk}/"


def test_a_changed_cart_with_a_used_key_is_refused_clearly(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    _page, form = _checkout(buyer_client)
    buyer_client.post("/checkout/", form)
    cart_put(dealer, buyer, [(shop["beta"][0], 3)])  # another tab, then "back" and resubmit
    response = buyer_client.post("/checkout/", form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "already submitted with different contents" in page
    assert len(orders_of(dealer, buyer_id=buyer.pk)) == 1
    assert cart_of(dealer, buyer) == {shop["beta"][0].pk: 3}
    # The page offers a fresh key: submitting it places the new cart.
    again = buyer_client.post("/checkout/", _form(page))
    assert again.status_code == 302
    assert len(orders_of(dealer, buyer_id=buyer.pk)) == 2


def test_a_cart_changed_since_the_page_was_shown_is_not_ordered_blind(
    dealer, shop, buyer, buyer_client
):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    _page, form = _checkout(buyer_client)
    cart_put(dealer, buyer, [(shop["acme"][0], 4)])
    response = buyer_client.post("/checkout/", form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Your cart changed since this page was opened" in page
    assert orders_of(dealer, buyer_id=buyer.pk) == []
    assert _form(page)["idempotency_key"] == form["idempotency_key"]  # the same key kept


def test_short_stock_marks_the_line_and_writes_nothing(
    dealer, supplier_a, shop, buyer, buyer_client
):
    sku = shop["acme"][0]
    cart_put(dealer, buyer, [(sku, 5), (shop["beta"][0], 1)])
    _page, form = _checkout(buyer_client)
    with tenant_context(supplier_a):  # sold elsewhere meanwhile; the offer does not know yet
        StockLevel.objects.filter(sku_id=sku.sku_id).update(on_hand=3)
    response = buyer_client.post("/checkout/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Only 3 left in stock." in page
    assert f'id="line-{sku.pk}" class="has-error"' in page
    assert orders_of(dealer, buyer_id=buyer.pk) == []
    assert cart_of(dealer, buyer) == {sku.pk: 5, shop["beta"][0].pk: 1}
    assert _form(page)["idempotency_key"] == form["idempotency_key"]


def test_pay_on_account_is_offered_only_with_terms(dealer, shop, buyer, buyer_client, host_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    _page, form = _checkout(buyer_client)
    refused = buyer_client.post("/checkout/", {**form, "payment_method": "on_account"})
    assert refused.status_code == 400
    assert "Choose one of the payment methods offered." in refused.content.decode()
    assert orders_of(dealer, buyer_id=buyer.pk) == []

    trusted = buyer_make(
        dealer, email="trusted@buyer.test", on_account=True, credit_limit="5000.00"
    )
    client = client_for(dealer, trusted, host_client)
    cart_put(dealer, trusted, [(shop["acme"][0], 1)])
    page, form = _checkout(client)
    assert 'value="on_account"' in page and "remaining credit ¥5,000.00" in page
    placed = client.post("/checkout/", {**form, "payment_method": "on_account"})
    assert placed.status_code == 302
    [order] = orders_of(dealer, buyer_id=trusted.pk)
    assert order.payment_status == PaymentStatus.ON_ACCOUNT and order.payment_due
    cart_put(dealer, trusted, [(shop["acme"][0], 2)])  # ¥4,012 > 5,000 − 2,012 left
    _page, form = _checkout(client)
    over = client.post("/checkout/", {**form, "payment_method": "on_account"})
    assert over.status_code == 400
    assert "exceeds your remaining credit" in over.content.decode()


def test_invoice_fields_are_prefilled_and_checked(dealer, shop, buyer, buyer_client):
    with tenant_context(dealer):
        company = Buyer.objects.get(user=buyer).company
        company.tax_number = "91350100M000100Y43"
        company.save()
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    page, form = _checkout(buyer_client)
    assert 'value="91350100M000100Y43"' in page and 'value="Buyer Co 采购公司"' in page
    response = buyer_client.post(
        "/checkout/", {**form, "invoice_type": "special", "invoice_tax_number": "123"}
    )
    assert response.status_code == 400
    assert "Enter the 15 to 20 character taxpayer number." in response.content.decode()
    assert orders_of(dealer, buyer_id=buyer.pk) == []


def test_an_unverified_buyer_sees_why_and_cannot_order(dealer, shop, host_client):
    user = buyer_make(dealer, email="new@buyer.test")
    with tenant_context(dealer):
        Buyer.objects.filter(user=user).update(email_verified_at=None)
    client = client_for(dealer, user, host_client)
    cart_put(dealer, user, [(shop["acme"][0], 1)])
    page, form = _checkout(client)
    assert "Please verify your email address before placing an order." in page
    assert "disabled>Place order" in page
    response = client.post("/checkout/", form)
    assert response.status_code == 403
    assert orders_of(dealer, buyer_id=user.pk) == []


def test_online_payment_goes_to_the_gateway_first(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    _page, form = _checkout(buyer_client)
    response = buyer_client.post("/checkout/", {**form, "payment_method": "online"})
    assert response.status_code == 302 and response["Location"].startswith("/pay/sandbox/")
    page = buyer_client.get(response["Location"]).content.decode()
    assert "¥2,012.00" in page


def test_an_empty_cart_has_nothing_to_check_out(dealer, shop, buyer_client):
    page = buyer_client.get("/checkout/").content.decode()
    assert "Your cart is empty." in page and "Place order" not in page
    response = buyer_client.post("/checkout/", {"idempotency_key": "x" * 32})
    assert response.status_code == 302 and response["Location"] == "/cart/"
