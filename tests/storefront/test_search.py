"""The storefront's product list: search in Chinese and English, filters, sort, facet counts
and pages, over this dealer's listings joined with the public offers."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.storefront.builders import listing_build, offer_build, sku_spec

pytestmark = pytest.mark.usefixtures("categories")


def names(response) -> list[str]:
    """Product names on a list page, in page order."""
    assert response.status_code == 200
    return re.findall(
        r'<h3 class="card-title product-card-name">([^<]+)</h3>', response.content.decode()
    )


def facet(response, kind: str) -> dict[str, int]:
    """{label: count} of one facet box (category, brand, supplier, stock)."""
    html = response.content.decode()
    box = re.search(rf'<section class="facet facet-{kind}">(.*?)</section>', html, re.S)
    if box is None:
        return {}
    return {
        unescape(label): int(count)
        for label, count in re.findall(
            r'<a href="[^"]*"[^>]*>([^<]+)</a> <span class="facet-count muted">(\d+)</span>',
            box.group(1),
        )
    }


@pytest.fixture
def shop(dealer, supplier_a, supplier_b):
    """Five products listed by delta (prices are delta's), one offered but not listed."""
    offers = {
        "phone": offer_build(
            supplier=supplier_a,
            name="星河 X1 智能手机 Smartphone",
            brand="星河",
            skus=[sku_spec("X1", available=50)],
        ),
        "feature": offer_build(
            supplier=supplier_b,
            name="守护 老人手机 Feature phone",
            category="feature-phones",
            brand="守护",
            skus=[
                sku_spec("FP", supply="100.00", minimum="120.00", suggested="199.00", available=0)
            ],
        ),
        "laptop": offer_build(
            supplier=supplier_b,
            name="ThinkPad 笔记本电脑 Laptop",
            category="laptops",
            brand="Lenovo",
            skus=[sku_spec("TP", supply="5000.00", minimum="5500.00", suggested="8000.00")],
        ),
        "headphones": offer_build(
            supplier=supplier_a,
            name="声悦 蓝牙耳机 Bluetooth headphones",
            category="headphones",
            brand="声悦",
            skus=[
                sku_spec("HP", supply="150.00", minimum="180.00", suggested="299.00", available=4)
            ],
        ),
        "fridge": offer_build(
            supplier=supplier_a,
            name="海清 双门冰箱 Refrigerator",
            category="refrigerators",
            brand="海清",
            skus=[sku_spec("RF", supply="2000.00", minimum="2200.00", suggested="3299.00")],
        ),
    }
    prices = {"phone": "1999.00", "feature": "199.00", "laptop": "7999.00"}
    for key, offer in offers.items():
        code = offer.skus.get().code
        listing_build(dealer, offer, {code: prices[key]} if key in prices else None)
    offers["not_listed"] = offer_build(
        supplier=supplier_a, name="未上架 手机 Unlisted phone", brand="星河"
    )
    return offers


def test_chinese_and_english_keywords_find_the_bilingual_phone(shop, dealer, host_client):
    client = host_client(dealer)
    assert names(client.get("/search/", {"q": "智能手机"})) == ["星河 X1 智能手机 Smartphone"]
    assert names(client.get("/search/", {"q": "smartphone"})) == ["星河 X1 智能手机 Smartphone"]
    # '手机' and 'phone' find both phones (never the unlisted one); partial words work.
    assert sorted(names(client.get("/search/", {"q": "手机"}))) == [
        "守护 老人手机 Feature phone",
        "星河 X1 智能手机 Smartphone",
    ]
    assert sorted(names(client.get("/search/", {"q": "phone"}))) == [
        "声悦 蓝牙耳机 Bluetooth headphones",
        "守护 老人手机 Feature phone",
        "星河 X1 智能手机 Smartphone",
    ]
    assert names(client.get("/search/", {"q": "thinkp"})) == ["ThinkPad 笔记本电脑 Laptop"]
    assert names(client.get("/search/", {"q": "冰"})) == ["海清 双门冰箱 Refrigerator"]
    assert names(client.get("/search/", {"q": "电脑 手机"})) == []
    assert (
        "Nothing matches “电脑 手机”" in client.get("/search/", {"q": "电脑 手机"}).content.decode()
    )


def test_best_match_first(shop, dealer, supplier_a, host_client):
    # "phone" in the name ranks above "phone" only in the category path.
    accessory = offer_build(
        supplier=supplier_a, name="Shield 保护壳 Case", category="phone-accessories", brand="Shield"
    )
    listing_build(dealer, accessory)
    found = names(host_client(dealer).get("/search/", {"q": "smartphone"}))
    assert found[0] == "星河 X1 智能手机 Smartphone"


def test_filters(shop, dealer, supplier_b, host_client):
    client = host_client(dealer)
    # A category includes its descendants.
    assert sorted(names(client.get("/c/phones/"))) == [
        "守护 老人手机 Feature phone",
        "星河 X1 智能手机 Smartphone",
    ]
    assert names(client.get("/c/electronics/", {"q": "耳机"})) == [
        "声悦 蓝牙耳机 Bluetooth headphones"
    ]
    # Price range on the dealer's own price (the phone is ¥1,999 here, ¥2,000 suggested).
    assert names(client.get("/search/", {"price_min": "1000", "price_max": "1999"})) == [
        "星河 X1 智能手机 Smartphone"
    ]
    assert names(client.get("/search/", {"brand": "Lenovo"})) == ["ThinkPad 笔记本电脑 Laptop"]
    assert sorted(names(client.get("/search/", {"supplier": supplier_b.pk}))) == [
        "ThinkPad 笔记本电脑 Laptop",
        "守护 老人手机 Feature phone",
    ]
    in_stock = names(client.get("/search/", {"in_stock": "1", "q": "手机"}))
    assert in_stock == ["星河 X1 智能手机 Smartphone"]


def test_facet_counts_follow_the_filtered_set(shop, dealer, host_client, supplier_a, supplier_b):
    client = host_client(dealer)

    everything = client.get("/search/")
    assert facet(everything, "category") == {"Electronics": 4, "Home appliances": 1}
    assert facet(everything, "brand") == {"Lenovo": 1, "守护": 1, "声悦": 1, "星河": 1, "海清": 1}
    assert facet(everything, "supplier") == {supplier_a.name: 3, supplier_b.name: 2}
    assert facet(everything, "stock") == {"In stock": 4}
    assert "5 products" in everything.content.decode()

    phones = client.get("/search/", {"q": "phone"})
    assert facet(phones, "category") == {"Electronics": 3}
    assert facet(phones, "supplier") == {supplier_a.name: 2, supplier_b.name: 1}
    assert facet(phones, "stock") == {"In stock": 2}

    electronics = client.get("/c/electronics/")
    assert facet(electronics, "category") == {
        "Phones": 2,
        "Computers & office": 1,
        "Audio & video": 1,
    }
    smartphones = client.get("/c/phones/")
    assert facet(smartphones, "category") == {"Smartphones": 1, "Feature phones": 1}


def test_sort_by_price_and_newest(shop, dealer, host_client):
    client = host_client(dealer)
    assert names(client.get("/search/", {"sort": "price_asc"})) == [
        "守护 老人手机 Feature phone",
        "声悦 蓝牙耳机 Bluetooth headphones",
        "星河 X1 智能手机 Smartphone",
        "海清 双门冰箱 Refrigerator",
        "ThinkPad 笔记本电脑 Laptop",
    ]
    assert names(client.get("/search/", {"sort": "price_desc"}))[0] == "ThinkPad 笔记本电脑 Laptop"
    # Newest listing first (the default without a keyword).
    assert names(client.get("/search/"))[0] == "海清 双门冰箱 Refrigerator"


def test_pages_of_24(dealer, supplier_a, host_client):
    for index in range(30):
        offer = offer_build(supplier=supplier_a, name=f"批量手机 Phone {index:02d}")
        listing_build(dealer, offer)
    client = host_client(dealer)

    first = client.get("/search/", {"q": "手机", "sort": "newest"})
    second = client.get("/search/", {"q": "手机", "sort": "newest", "page": "2"})
    beyond = client.get("/search/", {"q": "手机", "sort": "newest", "page": "9"})

    assert len(names(first)) == 24 and len(names(second)) == 6
    assert names(first)[0] == "批量手机 Phone 29" and names(second)[-1] == "批量手机 Phone 00"
    assert "Page 2 of 2" in second.content.decode()
    assert 'href="?q=%E6%89%8B%E6%9C%BA&amp;sort=newest&amp;page=2" rel="next"' in (
        first.content.decode()
    )
    assert names(beyond) == names(second), "a page past the end shows the last page"


def test_prices_shown_are_the_dealers(shop, dealer, host_client):
    html = host_client(dealer).get("/search/", {"q": "smartphone"}).content.decode()
    assert "¥1,999.00" in html
    assert "¥2,000.00" not in html, "the dealer's price, not the suggested one"
