"""The buyer's JSON API (/api/v1/ on a dealer's domain): cart, checkout, orders."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import Role
from buyers.models import Address, Buyer, BuyerCompany
from orders.models import CartLine, Order, OrderSettings, OrderSplit
from orders.quote import MAX_LINES, MAX_QUANTITY
from orders.selectors_buyer import items_token
from routing.models import OrderRoute
from supplychain.models import StockLevel
from tests.accounts.helpers import member_make
from tests.builders import buyer_make
from tests.orders.builders import offer_skus, order_build, shipping_method
from tests.orders.shop_helpers import buyer_client, cart_of, cart_put, client_for, offer_made

_ = (buyer_client,)  # fixture

CART, LINES, ORDERS = "/api/v1/cart/", "/api/v1/cart/lines/", "/api/v1/orders/"


def _add(client, items, **extra):
    body = {"items": [{"offer_sku_id": sku_id, "quantity": q} for sku_id, q in items]}
    return client.post(LINES, json.dumps(body), content_type="application/json", **extra)


def _checkout_body(dealer, buyer, **extra) -> dict:
    with tenant_context(dealer):
        address = Address.objects.get(company__buyers__user=buyer, is_default=True)
    connection.set_schema_to_public()
    body = {
        "address": address.pk,
        "shipping_method": shipping_method(dealer).pk,
        "payment_method": "bank_transfer",
    }
    body.update(extra)
    return body


def _place(client, body, key: str | None = "", **extra):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key or uuid.uuid4().hex}
    return client.post(
        ORDERS, json.dumps(body), content_type="application/json", **headers, **extra
    )


def _orders(dealer, **filters) -> list[Order]:
    with tenant_context(dealer):
        orders = list(Order.objects.filter(**filters).order_by("pk"))
    connection.set_schema_to_public()
    return orders


def _reserved(supplier, skus) -> int:
    with tenant_context(supplier):
        total = sum(
            StockLevel.objects.filter(sku_id__in=[sku.sku_id for sku in skus]).values_list(
                "reserved", flat=True
            )
        )
    connection.set_schema_to_public()
    return total


# --- Cart ----------------------------------------------------------------------------------------


def test_add_read_and_clear_the_cart(dealer, shop, buyer, buyer_client):
    phone, other = shop["acme"][0], shop["beta"][1]
    response = _add(buyer_client, [(phone.pk, 2), (other.pk, 4)])
    assert response.status_code == 200
    _add(buyer_client, [(other.pk, 6)])  # the same SKU again adds up: 10, the volume price
    assert cart_of(dealer, buyer) == {phone.pk: 2, other.pk: 10}

    cart = buyer_client.get(CART).json()
    first, second = cart["lines"]
    assert first == {
        "offer_sku_id": phone.pk,
        "sku_code": phone.code,
        "name": phone.offer.name,
        "variant": first["variant"],
        "supplier": "Acme Electronics 艾克美电子",
        "quantity": 2,
        "unit_price": "2000.00",
        "line_total": "4000.00",
        "moq": 1,
        "error": None,
    }
    assert first["variant"]  # e.g. "黑色 / 128GB"
    assert second["supplier"] == "Beta Industrial 贝塔工业"
    assert (second["unit_price"], second["line_total"]) == ("1900.00", "19000.00")
    assert cart["goods_total"] == "23000.00" and cart["item_count"] == 12
    assert cart["cart_token"] == items_token([(phone.pk, 2), (other.pk, 10)])

    assert buyer_client.delete(CART).status_code == 204
    assert cart_of(dealer, buyer) == {}
    assert buyer_client.get(CART).json() == {
        "lines": [],
        "goods_total": "0.00",
        "item_count": 0,
        "cart_token": items_token([]),
    }


def test_the_answer_of_an_add_is_the_cart(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["beta"][0], 1)])
    added = _add(buyer_client, [(shop["acme"][0].pk, 3), (shop["acme"][0].pk, 1)]).json()
    assert added == buyer_client.get(CART).json()
    assert [line["quantity"] for line in added["lines"]] == [1, 4]  # oldest first


def test_a_form_post_adds_pairs_of_sku_and_quantity(dealer, shop, buyer, buyer_client):
    phone, other = shop["acme"][0], shop["beta"][0]
    response = buyer_client.post(
        LINES, {"offer_sku_id": [phone.pk, other.pk], "quantity": ["1", "5"]}
    )
    assert response.status_code == 200
    assert cart_of(dealer, buyer) == {phone.pk: 1, other.pk: 5}


@pytest.mark.parametrize(
    ("sku_id", "quantity", "why"),
    [
        ("first", "two", "Enter a whole number as the quantity."),
        ("first", 2.5, "Enter a whole number as the quantity."),
        ("first", 0, "Enter a quantity between 1 and 1,000,000."),
        ("first", MAX_QUANTITY + 1, "Enter a quantity between 1 and 1,000,000."),
        ("phone", 1, "offer_sku_id must be the id of a SKU (a whole number)."),
        (10**30, 1, "offer_sku_id must be the id of a SKU (a whole number)."),
        (999_999_999, 1, "This product is no longer sold here."),
    ],
    ids=["words", "fraction", "zero", "too-many", "sku-not-a-number", "sku-huge", "sku-unknown"],
)
def test_a_bad_item_is_named_and_nothing_is_added(
    dealer, shop, buyer, buyer_client, sku_id, quantity, why
):
    cart_put(dealer, buyer, [(shop["beta"][0], 1)])
    good = shop["acme"][0].pk
    bad = good if sku_id == "first" else sku_id
    response = _add(buyer_client, [(good, 1), (bad, quantity)])
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing was added: correct the marked items and try again.",
        "items": {"1": why},
    }
    assert cart_of(dealer, buyer) == {shop["beta"][0].pk: 1}


def test_adding_a_sku_this_dealer_does_not_sell_is_refused(
    dealer, dealer_b, supplier_a, buyer, buyer_client
):
    offer = offer_made(supplier_a, name="Only at omega", code="API-OMEGA", listed_by=dealer_b)
    response = _add(buyer_client, [(offer_skus(offer)[0].pk, 1)])
    assert response.status_code == 400
    assert response.json()["items"] == {"0": "This product is no longer sold here."}
    assert cart_of(dealer, buyer) == {}


def test_a_full_cart_refuses_new_skus_but_adds_to_its_lines(dealer, shop, buyer, buyer_client):
    phone = shop["acme"][0]
    cart_put(dealer, buyer, [(phone, 1)])
    with tenant_context(dealer):  # lines of SKUs no longer sold fill the rest of the cart
        CartLine.objects.bulk_create(
            CartLine(user_id=buyer.pk, offer_sku_id=10**12 + n, quantity=1)
            for n in range(MAX_LINES - 1)
        )
    response = _add(buyer_client, [(phone.pk, 2), (shop["beta"][0].pk, 1)])
    assert response.status_code == 400
    assert response.json()["items"] == {
        "1": "A cart holds at most 200 different items. Check out or remove some first."
    }
    assert cart_of(dealer, buyer)[phone.pk] == 1
    assert _add(buyer_client, [(phone.pk, 2)]).status_code == 200
    assert cart_of(dealer, buyer)[phone.pk] == 3


@pytest.mark.parametrize(
    "body",
    [{}, {"items": {"offer_sku_id": 1, "quantity": 1}}, {"items": []}, {"items": [3]}],
    ids=["no-items", "not-a-list", "empty", "not-objects"],
)
def test_a_body_without_a_list_of_items_is_refused(dealer, shop, buyer, buyer_client, body):
    response = buyer_client.post(LINES, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert cart_of(dealer, buyer) == {}


# --- Placing orders ------------------------------------------------------------------------------


def test_an_order_across_two_suppliers(dealer, supplier_a, supplier_b, shop, buyer, buyer_client):
    phone, other = shop["acme"][0], shop["beta"][1]
    cart = _add(buyer_client, [(phone.pk, 2), (other.pk, 10)]).json()
    body = _checkout_body(dealer, buyer, note="请尽快发货", cart_token=cart["cart_token"])
    response = _place(buyer_client, body)

    assert response.status_code == 201
    [order] = _orders(dealer, buyer_id=buyer.pk)
    data = response.json()
    assert response["Location"] == f"/api/v1/orders/{order.pk}/" == data["url"]
    assert data["number"] == order.number and data["status"] == "placed"
    assert data["goods_total"] == "23000.00" and data["shipping_fee"] == "12.00"
    assert data["total"] == "23012.00" and data["note"] == "请尽快发货"
    assert data["payment_method"] == "bank_transfer" and data["payment_status"] == "unpaid"
    assert data["page"] == f"/orders/{order.pk}/"
    assert "pay_url" not in data
    suppliers = {split["supplier"]: split for split in data["splits"]}
    assert sorted(suppliers) == ["Acme Electronics 艾克美电子", "Beta Industrial 贝塔工业"]
    lines = {line["sku_code"]: line for line in data["lines"]}
    assert lines[phone.code]["split_id"] == suppliers["Acme Electronics 艾克美电子"]["id"]
    assert (lines[phone.code]["quantity"], lines[phone.code]["line_total"]) == (2, "4000.00")
    assert (lines[other.code]["unit_price"], lines[other.code]["quantity"]) == ("1900.00", 10)

    with tenant_context(dealer):
        assert OrderSplit.objects.filter(order_id=order.pk).count() == 2
    assert OrderRoute.objects.filter(dealer_order_id=order.pk, dealer_id=dealer.pk).count() == 2
    assert _reserved(supplier_a, [phone]) == 2 and _reserved(supplier_b, [other]) == 10
    assert cart_of(dealer, buyer) == {}
    assert buyer_client.get(data["url"]).json() == data


def test_the_same_key_again_answers_with_the_same_order(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    key, body = uuid.uuid4().hex, _checkout_body(dealer, buyer)
    first = _place(buyer_client, body, key)
    again = _place(buyer_client, body, key)  # the answer was lost; the cart is empty now
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert len(_orders(dealer, buyer_id=buyer.pk)) == 1

    cart_put(dealer, buyer, [(shop["acme"][0], 1)])  # the very same contents again
    assert _place(buyer_client, body, key).json()["id"] == first.json()["id"]
    assert len(_orders(dealer, buyer_id=buyer.pk)) == 1


def test_the_same_key_for_another_cart_is_a_conflict(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    key, body = uuid.uuid4().hex, _checkout_body(dealer, buyer)
    assert _place(buyer_client, body, key).status_code == 201
    cart_put(dealer, buyer, [(shop["beta"][0], 3)])
    response = _place(buyer_client, body, key)
    assert response.status_code == 409
    assert "already submitted with different contents" in response.json()["detail"]
    assert len(_orders(dealer, buyer_id=buyer.pk)) == 1
    assert cart_of(dealer, buyer) == {shop["beta"][0].pk: 3}


@pytest.mark.parametrize("key", [None, "short", "no spaces allowed here", "x" * 65])
def test_a_missing_or_malformed_key_is_refused(dealer, shop, buyer, buyer_client, key):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    response = _place(buyer_client, _checkout_body(dealer, buyer), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert _orders(dealer, buyer_id=buyer.pk) == []


def test_a_cart_changed_since_it_was_read_is_not_ordered(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    token = buyer_client.get(CART).json()["cart_token"]
    cart_put(dealer, buyer, [(shop["acme"][0], 4)])
    response = _place(buyer_client, _checkout_body(dealer, buyer, cart_token=token))
    assert response.status_code == 409
    assert "Your cart changed since you read it." in response.json()["detail"]
    assert response.json()["cart_token"] == buyer_client.get(CART).json()["cart_token"]
    assert _orders(dealer, buyer_id=buyer.pk) == []


def test_short_stock_names_the_line_and_writes_nothing(
    dealer, supplier_a, supplier_b, shop, buyer, buyer_client
):
    phone, other = shop["acme"][0], shop["beta"][0]
    cart_put(dealer, buyer, [(phone, 5), (other, 1)])
    with tenant_context(supplier_a):  # sold elsewhere meanwhile; the offer does not know yet
        StockLevel.objects.filter(sku_id=phone.sku_id).update(on_hand=3)
    connection.set_schema_to_public()
    response = _place(buyer_client, _checkout_body(dealer, buyer))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some items are no longer in stock in the quantity you asked for.",
        "fields": {},
        "lines": {str(phone.pk): "Only 3 left in stock."},
    }
    assert _orders(dealer, buyer_id=buyer.pk) == []
    assert _reserved(supplier_a, [phone]) == 0 and _reserved(supplier_b, [other]) == 0
    assert not OrderRoute.objects.filter(dealer_id=dealer.pk).exists()
    assert cart_of(dealer, buyer) == {phone.pk: 5, other.pk: 1}


def test_fields_are_checked(dealer, shop, buyer, buyer_client):
    other = buyer_make(dealer, email="other@buyer.test", company_name="Other Co")
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    foreign = _checkout_body(dealer, other)["address"]  # another company's address
    response = _place(buyer_client, _checkout_body(dealer, buyer, address=foreign))
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "address": "Choose a shipping address from your address book."
    }
    malformed = _place(
        buyer_client, _checkout_body(dealer, buyer, address="home", payment_method="cash")
    )
    assert malformed.status_code == 400
    assert set(malformed.json()["fields"]) == {"address", "payment_method"}
    on_account = _place(buyer_client, _checkout_body(dealer, buyer, payment_method="on_account"))
    assert on_account.status_code == 400
    assert on_account.json()["detail"] == "Your company has not been granted payment on account."
    assert _orders(dealer) == []


def test_an_empty_cart_is_refused(dealer, shop, buyer, buyer_client):
    response = _place(buyer_client, _checkout_body(dealer, buyer))
    assert response.status_code == 400
    assert response.json() == {"detail": "Your cart is empty."}


def test_an_unverified_buyer_is_told_why(dealer, shop, host_client):
    user = buyer_make(dealer, email="new@buyer.test")
    with tenant_context(dealer):
        Buyer.objects.filter(user=user).update(email_verified_at=None)
    client = client_for(dealer, user, host_client)
    cart_put(dealer, user, [(shop["acme"][0], 1)])
    response = _place(client, _checkout_body(dealer, user))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Please verify your email address before placing an order."
    }
    assert _orders(dealer, buyer_id=user.pk) == []


def test_an_online_order_answers_with_its_payment_page(dealer, shop, buyer, buyer_client):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    key, body = uuid.uuid4().hex, _checkout_body(dealer, buyer, payment_method="online")
    response = _place(buyer_client, body, key)
    assert response.status_code == 201
    pay_url = response.json()["pay_url"]
    assert pay_url.startswith("/pay/sandbox/")
    assert buyer_client.get(pay_url).status_code == 200
    assert _place(buyer_client, body, key).json()["pay_url"] == pay_url  # one payment


# --- Reading orders ------------------------------------------------------------------------------


def test_the_order_list_shows_the_companys_orders_newest_first(dealer, shop, buyer, buyer_client):
    first = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    second = order_build(dealer, buyer, [(shop["beta"][0], 2)])
    other = buyer_make(dealer, email="other@buyer.test", company_name="Other Co")
    order_build(dealer, other, [(shop["acme"][0], 1)])

    results = buyer_client.get(ORDERS).json()["results"]
    assert [row["number"] for row in results] == [second.number, first.number]
    assert results[0] == {
        "id": second.pk,
        "number": second.number,
        "status": "placed",
        "payment_status": "unpaid",
        "total": "4012.00",
        "placed_at": results[0]["placed_at"],
        "url": f"/api/v1/orders/{second.pk}/",
    }
    assert buyer_client.get(ORDERS, {"status": "cancelled"}).json() == {"results": []}
    assert len(buyer_client.get(ORDERS, {"status": "placed"}).json()["results"]) == 2
    assert buyer_client.get(ORDERS, {"status": "lost"}).status_code == 400


def test_another_companys_order_is_not_found(dealer, shop, buyer, buyer_client):
    other = buyer_make(dealer, email="other@buyer.test", company_name="Other Co")
    theirs = order_build(dealer, other, [(shop["acme"][0], 1)])
    assert buyer_client.get(f"{ORDERS}{theirs.pk}/").status_code == 404
    assert buyer_client.post(f"{ORDERS}{theirs.pk}/").status_code == 404
    assert buyer_client.get(f"{ORDERS}{theirs.pk + 1000}/").status_code == 404
    mine = order_build(dealer, buyer, [(shop["acme"][0], 1)])
    assert buyer_client.get(f"{ORDERS}{mine.pk}/").json()["number"] == mine.number
    assert buyer_client.post(f"{ORDERS}{mine.pk}/").status_code == 405


# --- Who may use it ------------------------------------------------------------------------------


def test_only_a_signed_in_buyer_may_use_it(dealer, supplier_a, shop, host_client):
    anonymous = host_client(dealer)
    for path in (CART, ORDERS):
        assert anonymous.get(path).status_code == 403
    assert _add(anonymous, [(shop["acme"][0].pk, 1)]).status_code == 403

    staff = member_make(dealer, email="clerk@delta.test", role=Role.OWNER)
    clerk = client_for(dealer, staff, host_client)
    assert clerk.get(CART).status_code == 403
    refused = _add(clerk, [(shop["acme"][0].pk, 1)])
    assert refused.status_code == 403
    assert "for the store's buyers" in refused.json()["detail"]
    with tenant_context(dealer):
        assert not CartLine.objects.exists()
    connection.set_schema_to_public()

    assert host_client(supplier_a).get(CART).status_code == 404


def test_a_suspended_company_is_refused(dealer, shop, buyer, buyer_client):
    with tenant_context(dealer):
        BuyerCompany.objects.filter(buyers__user=buyer).update(is_active=False)
    connection.set_schema_to_public()
    response = buyer_client.get(CART)
    assert response.status_code == 403
    assert "suspended" in response.json()["detail"]


def test_csrf_is_enforced(dealer, shop, buyer):
    client = Client(HTTP_HOST=dealer.host, enforce_csrf_checks=True)
    with tenant_context(dealer):
        client.force_login(buyer)
    connection.set_schema_to_public()
    item = [(shop["acme"][0].pk, 1)]
    refused = _add(client, item)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert _place(client, _checkout_body(dealer, buyer)).status_code == 403
    assert cart_of(dealer, buyer) == {}

    client.get(CART)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert _add(client, item, HTTP_X_CSRFTOKEN=token).status_code == 200
    assert cart_of(dealer, buyer) == {shop["acme"][0].pk: 1}


# --- Query counts (the hot path) -----------------------------------------------------------------


def test_adding_to_the_cart_takes_few_queries(
    dealer, shop, buyer, buyer_client, django_assert_max_num_queries
):
    cart_put(dealer, buyer, [(shop["beta"][0], 1)])
    items = [(shop["acme"][0].pk, 1), (shop["acme"][1].pk, 2), (shop["beta"][1].pk, 3)]
    with django_assert_max_num_queries(ADD_QUERIES):
        assert _add(buyer_client, items).status_code == 200


def test_placing_an_order_takes_few_queries(
    dealer, shop, buyer, buyer_client, django_assert_max_num_queries
):
    cart_put(dealer, buyer, [(shop["acme"][0], 1), (shop["beta"][0], 2), (shop["beta"][1], 1)])
    body = _checkout_body(dealer, buyer)
    with tenant_context(dealer):
        OrderSettings.current()  # the dealer's settings row exists, as in a running store
    connection.set_schema_to_public()
    with django_assert_max_num_queries(PLACE_QUERIES):
        assert _place(buyer_client, body).status_code == 201
    assert len(_orders(dealer, buyer_id=buyer.pk)) == 1


# Measured, not guessed (the test's transaction adds its savepoints). Adding: the tenant's
# domain and search path, session, user, buyer, then the cart, ONE quote, ONE upsert.
ADD_QUERIES = 11
# Placing: the same five, the cart, then order_place (its own reads, both suppliers' schemas,
# the routes, the notifications); the answer is built from what order_place wrote.
PLACE_QUERIES = 52
