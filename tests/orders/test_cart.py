"""The buyer's cart on the storefront: add, update, remove, tiers and MOQ, quick order."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from catalog.models import SupplyOfferSku
from orders.cart import CartError, cart_add
from tests.builders import buyer_make
from tests.orders.builders import offer_skus
from tests.orders.shop_helpers import buyer_client, cart_of, cart_put, client_for, offer_made
from tests.storefront.builders import sku_spec

_ = (buyer_client,)  # fixture


def _add(client, sku, quantity, **extra):
    return client.post("/cart/add/", {"offer_sku_id": sku.pk, "quantity": quantity}, **extra)


def test_add_update_and_remove_lines(dealer, shop, buyer, buyer_client):
    sku = shop["acme"][0]
    response = _add(buyer_client, sku, 3)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    _add(buyer_client, sku, 2)  # the same SKU again adds up
    assert cart_of(dealer, buyer) == {sku.pk: 5}

    page = buyer_client.get("/cart/").content.decode()
    assert sku.code in page and "¥2,000.00" in page and "¥10,000.00" in page
    assert 'href="/checkout/"' in page

    buyer_client.post("/cart/update/", {"offer_sku_id": sku.pk, "quantity": 2})
    assert cart_of(dealer, buyer) == {sku.pk: 2}
    buyer_client.post("/cart/remove/", {"offer_sku_id": sku.pk})
    assert cart_of(dealer, buyer) == {}
    assert "Your cart is empty." in buyer_client.get("/cart/").content.decode()


def test_quantity_zero_removes_and_clear_empties(dealer, shop, buyer, buyer_client):
    first, second = shop["acme"][0], shop["beta"][0]
    cart_put(dealer, buyer, [(first, 1), (second, 1)])
    buyer_client.post("/cart/update/", {"offer_sku_id": first.pk, "quantity": 0})
    assert cart_of(dealer, buyer) == {second.pk: 1}
    buyer_client.post("/cart/clear/")
    assert cart_of(dealer, buyer) == {}


def test_volume_price_is_shown_from_its_quantity(dealer, shop, buyer, buyer_client):
    sku = shop["acme"][0]
    cart_put(dealer, buyer, [(sku, 10)])
    page = buyer_client.get("/cart/").content.decode()
    # 10 or more: the supplier's tier (950 of 1000) applied to the dealer's ¥2,000.00.
    assert "¥1,900.00" in page and "¥19,000.00" in page


def test_a_line_below_the_moq_is_marked_and_checkout_is_disabled(
    dealer, supplier_a, buyer, buyer_client
):
    offer = offer_made(
        supplier_a,
        name="MOQ 手机",
        code="MOQ-5",
        skus=[sku_spec("MOQ-5-1", moq=5)],
        listed_by=dealer,
    )
    sku = SupplyOfferSku.objects.get(offer=offer)
    cart_put(dealer, buyer, [(sku, 2)])
    page = buyer_client.get("/cart/").content.decode()
    assert "The minimum order quantity is 5." in page
    assert 'href="/checkout/"' not in page
    assert "Correct or remove the marked lines to check out." in page


def test_a_sku_another_dealer_does_not_sell_cannot_be_added(dealer, dealer_b, supplier_a, buyer):
    """Only offers this dealer lists: omega's listing is not delta's product."""
    offer = offer_made(supplier_a, name="Only at omega", code="OMEGA-ONLY", listed_by=dealer_b)
    sku = offer_skus(offer)[0]
    with tenant_context(dealer), pytest.raises(CartError, match="no longer sold here"):
        cart_add(user=buyer, dealer_id=dealer.pk, offer_sku_id=sku.pk, quantity=1)
    assert cart_of(dealer, buyer) == {}


def test_adding_an_unsold_sku_on_the_page_says_so(dealer, dealer_b, supplier_a, buyer_client):
    offer = offer_made(supplier_a, name="Only at omega", code="OMEGA-ONLY2", listed_by=dealer_b)
    response = _add(buyer_client, offer_skus(offer)[0], 1)
    assert response.status_code == 400
    assert "This product is no longer sold here." in response.content.decode()


def test_add_from_the_product_page_with_htmx_answers_a_notice(dealer, shop, buyer, buyer_client):
    sku = shop["beta"][1]
    product_page = buyer_client.get(f"/p/{sku.offer_id}/").content.decode()
    assert 'hx-post="/cart/add/"' in product_page and f'value="{sku.pk}"' in product_page
    response = _add(buyer_client, sku, 4, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Added to your cart (now 4)." in response.content.decode()
    assert cart_of(dealer, buyer) == {sku.pk: 4}
    bad = _add(buyer_client, sku, 0, HTTP_HX_REQUEST="true")
    assert "Enter a quantity between 1 and" in bad.content.decode()
    assert cart_of(dealer, buyer) == {sku.pk: 4}


def test_without_javascript_the_product_form_opens_a_confirmation(dealer, shop, buyer_client):
    sku = shop["acme"][1]
    page = buyer_client.get("/cart/add/", {"offer_sku_id": sku.pk, "quantity": 2})
    assert page.status_code == 200
    text = page.content.decode()
    assert sku.code in text and "¥4,000.00" in text and "csrfmiddlewaretoken" in text


def test_guests_are_sent_to_sign_in_and_staff_are_refused(dealer, shop, host_client, tenant_user):
    sku = shop["acme"][0]
    guest = _add(host_client(dealer), sku, 1)
    assert guest.status_code == 302 and guest["Location"].startswith("/accounts/login/")
    htmx = _add(host_client(dealer), sku, 1, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith("/accounts/login/")
    staff = tenant_user(dealer, email="clerk@delta.test")
    staff_client = client_for(dealer, staff, host_client)
    assert _add(staff_client, sku, 1).status_code == 403


def test_cart_page_queries_do_not_grow_with_lines(
    dealer, supplier_a, shop, buyer, buyer_client, django_assert_max_num_queries
):
    cart_put(dealer, buyer, [(shop["acme"][0], 1)])
    buyer_client.get("/cart/")  # warm caches (storefront, content types)
    with django_assert_max_num_queries(16) as few:
        buyer_client.get("/cart/")
    more = [
        offer_skus(offer_made(supplier_a, name=f"Q{n}", code=f"QCOUNT-{n}", listed_by=dealer))[0]
        for n in range(5)
    ]
    cart_put(dealer, buyer, [(sku, 1) for sku in more] + [(shop["beta"][0], 1)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = buyer_client.get("/cart/")
    assert page.content.decode().count('class="cart-line') == 7


# --- Quick order -------------------------------------------------------------------------------


def test_quick_order_adds_pasted_lines(dealer, shop, buyer, buyer_client):
    first, second = shop["acme"][0], shop["beta"][1]
    text = f"{first.code}\t3\r\n\n{second.code.lower()}, 12\n"
    response = buyer_client.post("/cart/quick/", {"text": text})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert cart_of(dealer, buyer) == {first.pk: 3, second.pk: 12}


def test_quick_order_with_a_bad_line_adds_nothing_and_names_the_lines(
    dealer, shop, buyer, buyer_client
):
    good = shop["acme"][0]
    text = f"{good.code} 3\nNO-SUCH-CODE 1\n{good.code} many\njust-one-column"
    response = buyer_client.post("/cart/quick/", {"text": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was added" in page
    assert "Line 2: No product with the SKU code “NO-SUCH-CODE” is sold here." in page
    assert "Line 3: “many” is not a valid quantity" in page
    assert "Line 4: Write the SKU code and the quantity" in page
    assert "Line 1:" not in page
    assert cart_of(dealer, buyer) == {}


def test_quick_order_reports_a_code_two_suppliers_use(
    dealer, supplier_a, supplier_b, buyer, buyer_client
):
    for supplier in (supplier_a, supplier_b):
        offer_made(
            supplier,
            name=f"Twin {supplier.slug}",
            code=f"TWIN-{supplier.slug}",
            skus=[sku_spec("TWIN-1")],
            listed_by=dealer,
        )
    response = buyer_client.post("/cart/quick/", {"text": "TWIN-1 2"})
    assert response.status_code == 400
    assert "belongs to products of several suppliers" in response.content.decode()
    assert cart_of(dealer, buyer) == {}


def test_quick_order_does_not_find_another_dealers_products(
    dealer, dealer_b, supplier_a, buyer, buyer_client
):
    offer_made(
        supplier_a,
        name="Omega only",
        code="OQ",
        skus=[sku_spec("OMEGA-QUICK-1")],
        listed_by=dealer_b,
    )
    response = buyer_client.post("/cart/quick/", {"text": "OMEGA-QUICK-1 1"})
    assert response.status_code == 400
    assert cart_of(dealer, buyer) == {}


def test_cart_is_each_buyers_own(dealer, shop, buyer, host_client):
    colleague = buyer_make(dealer, email="other@buyer.test", company_name="Other Co")
    cart_put(dealer, buyer, [(shop["acme"][0], 2)])
    page = client_for(dealer, colleague, host_client).get("/cart/").content.decode()
    assert shop["acme"][0].code not in page
    other = client_for(dealer, colleague, host_client)
    other.post("/cart/remove/", {"offer_sku_id": shop["acme"][0].pk})
    other.post("/cart/update/", {"offer_sku_id": shop["acme"][0].pk, "quantity": 9})
    other.post("/cart/clear/")
    assert cart_of(dealer, buyer) == {shop["acme"][0].pk: 2}
    assert cart_of(dealer, colleague) == {}
