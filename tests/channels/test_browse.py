"""The dealer backoffice's supply catalogue: what the suppliers offer this dealer, searchable and
filterable, with live stock; and the dealer's own listings."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from catalog.models import OfferAudience, OfferStatus
from tests.storefront.builders import authorise, listing_build, offer_build, offer_change, sku_spec

pytestmark = pytest.mark.usefixtures("categories")


def _rows(html: str) -> list[str]:
    """Product names in the catalogue table, in order."""
    return re.findall(r'<a href="/backoffice/catalogue/\d+/">([^<]+)</a>', html)


@pytest.fixture
def catalogue(supplier_a, supplier_b, dealer):
    phone = offer_build(
        supplier=supplier_a,
        name="星河 X1 智能手机 Smartphone",
        brand="星河",
        skus=[sku_spec("X1-1", supply="1000.00", available=37)],
    )
    laptop = offer_build(
        supplier=supplier_b,
        name="ThinkPad 笔记本电脑 Laptop",
        category="laptops",
        skus=[sku_spec("TP-1", supply="5000.00", minimum="5500.00", suggested="8000.00")],
    )
    exclusive = offer_build(
        supplier=supplier_a,
        name="授权专供 耳机 Headphones",
        category="headphones",
        audience=OfferAudience.AUTHORISED,
        skus=[sku_spec("HP-1", supply="100.00", minimum="120.00", suggested="199.00", available=0)],
    )
    withdrawn = offer_build(
        supplier=supplier_b, name="已撤回 Withdrawn phone", status=OfferStatus.WITHDRAWN
    )
    authorise(supplier=supplier_a, dealer=dealer)
    return {"phone": phone, "laptop": laptop, "exclusive": exclusive, "withdrawn": withdrawn}


def test_the_catalogue_shows_what_is_published_to_this_dealer_only(
    catalogue, dealer, dealer_b, signed_in
):
    mine = _rows(signed_in(dealer).get("/backoffice/catalogue/").content.decode())
    theirs = _rows(signed_in(dealer_b).get("/backoffice/catalogue/").content.decode())

    assert sorted(mine) == sorted(
        ["星河 X1 智能手机 Smartphone", "ThinkPad 笔记本电脑 Laptop", "授权专供 耳机 Headphones"]
    )
    assert sorted(theirs) == ["ThinkPad 笔记本电脑 Laptop", "星河 X1 智能手机 Smartphone"]
    assert (
        signed_in(dealer_b).get(f"/backoffice/catalogue/{catalogue['exclusive'].pk}/").status_code
        == 404
    )
    assert (
        signed_in(dealer).get(f"/backoffice/catalogue/{catalogue['withdrawn'].pk}/").status_code
        == 404
    )


def test_search_in_chinese_english_and_partial_words(catalogue, dealer, signed_in):
    client = signed_in(dealer)
    for query, expected in [
        ("手机", ["星河 X1 智能手机 Smartphone"]),
        ("phone", ["星河 X1 智能手机 Smartphone", "授权专供 耳机 Headphones"]),
        ("笔记本", ["ThinkPad 笔记本电脑 Laptop"]),
        ("think", ["ThinkPad 笔记本电脑 Laptop"]),
        ("电脑 laptop", ["ThinkPad 笔记本电脑 Laptop"]),
    ]:
        found = _rows(client.get("/backoffice/catalogue/", {"q": query}).content.decode())
        assert sorted(found) == sorted(expected), query


def test_filters_by_category_supplier_price_and_stock(catalogue, dealer, supplier_b, signed_in):
    from catalog.models import Category

    client = signed_in(dealer)

    def found(**params):
        return sorted(_rows(client.get("/backoffice/catalogue/", params).content.decode()))

    electronics = Category.objects.get(code="computers").pk
    assert found(category=electronics) == ["ThinkPad 笔记本电脑 Laptop"]
    assert found(supplier=supplier_b.pk) == ["ThinkPad 笔记本电脑 Laptop"]
    assert found(price_min="500", price_max="1500") == ["星河 X1 智能手机 Smartphone"]
    assert "授权专供 耳机 Headphones" not in found(in_stock="on")


def test_live_stock_and_price_control_are_shown(catalogue, dealer, signed_in):
    client = signed_in(dealer)
    phone = catalogue["phone"]
    page = client.get(f"/backoffice/catalogue/{phone.pk}/").content.decode()
    assert '<td class="num">37</td>' in page
    assert "¥1,100.00" in page and "¥2,000.00" in page

    # The supplier's sync changes the stock: the next page view shows it.
    phone.skus.update(available=5)
    offer_change(phone, available=5)
    page = client.get(f"/backoffice/catalogue/{phone.pk}/").content.decode()
    assert '<td class="num">5</td>' in page


def test_listings_page_shows_the_dealers_products_and_a_withdrawn_one_is_flagged(
    catalogue, dealer, signed_in
):
    listing_build(dealer, catalogue["phone"], {"X1-1": "1999.00"})
    listing_build(dealer, catalogue["laptop"])
    offer_change(catalogue["laptop"], status=OfferStatus.WITHDRAWN)

    html = signed_in(dealer).get("/backoffice/listings/").content.decode()

    assert "星河 X1 智能手机 Smartphone" in html and "¥1,999.00" in html
    laptop_row = html.split("ThinkPad 笔记本电脑 Laptop")[1].split("</tr>")[0]
    assert "No longer offered by the supplier" in laptop_row
    phone_row = html.split("星河 X1 智能手机 Smartphone")[1].split("</tr>")[0]
    assert "No longer offered" not in phone_row


def test_the_catalogue_page_query_count_does_not_grow_with_the_products(
    catalogue, dealer, supplier_a, signed_in, django_assert_max_num_queries
):
    client = signed_in(dealer)
    client.get("/backoffice/catalogue/")  # session and caches warmed like any later visit
    for index in range(12):
        offer_build(supplier=supplier_a, name=f"批量商品 {index}")
    # Domain, session, user, suppliers filter, categories filter, count, page, SKUs
    # (each after its SET search_path).
    with django_assert_max_num_queries(16):
        response = client.get("/backoffice/catalogue/")
    assert len(_rows(response.content.decode())) == 15


def test_the_dealer_backoffice_links_its_pages_and_the_storefront(dealer, signed_in):
    manager = signed_in(dealer).get("/backoffice/").content.decode()
    staff = signed_in(dealer, Role.STAFF).get("/backoffice/").content.decode()

    nav = re.search(r'<nav class="sidenav".*?</nav>', manager, re.S).group(0)
    assert 'href="/backoffice/" aria-current="page"' in nav
    for path in ("/backoffice/catalogue/", "/backoffice/listings/", "/backoffice/storefront/"):
        assert f'href="{path}"' in nav
    assert 'href="/"' in nav, "a way to the storefront"
    assert 'href="/backoffice/storefront/"' not in staff, "settings are for managers"
    assert 'href="/backoffice/catalogue/"' in staff
