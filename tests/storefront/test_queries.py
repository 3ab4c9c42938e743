"""Storefront pages run a fixed, small number of queries, whatever the number of products;
a page seen before (same storefront version) runs one query of its own.

Counts include django-tenants' ``SET search_path``, issued once per schema switch
(TENANT_LIMIT_SET_CALLS): one for the public schema's domain lookup and one for the dealer's
schema, on every page. Then the domain lookup and storefront settings on every page; then per
kind (cold = not yet cached):
list/search: the products with all facet counts (one query) and the category navigation and
tree; product: the listing with its offer, the SKUs with the dealer's prices, the variant names.
"""

from __future__ import annotations

import pytest

from tests.storefront.builders import listing_build, offer_build, sku_spec

pytestmark = pytest.mark.usefixtures("categories")

COLD = {"list": 7, "search": 7, "product": 7, "home": 7}
WARM = 4  # two SET search_path, the domain lookup, the storefront settings


def _main(response) -> str:
    return response.content.decode().split('<main id="main"')[1]


def _shop(dealer, supplier, count: int, start: int = 0):
    offers = []
    for index in range(start, start + count):
        offer = offer_build(
            supplier=supplier,
            name=f"星河 X{index} 智能手机 Smartphone",
            brand=f"品牌{index % 3}",
            skus=[
                sku_spec(f"S{index}-A", variant={"color": "黑色"}),
                sku_spec(f"S{index}-B", variant={"color": "白色"}),
            ],
        )
        listing_build(dealer, offer)
        offers.append(offer)
    return offers


@pytest.mark.parametrize("products", [3, 30])
def test_query_counts_do_not_grow_with_the_products(
    products, dealer, supplier_a, supplier_b, host_client, django_assert_max_num_queries
):
    offers = _shop(dealer, supplier_a, products // 2)
    offers += _shop(dealer, supplier_b, products - products // 2, start=100)
    client = host_client(dealer)
    pages = {
        "home": "/",
        "list": "/c/phones/?sort=price_asc&page=1",
        "search": "/search/?q=%E6%89%8B%E6%9C%BA&in_stock=1",
        "product": f"/p/{offers[-1].pk}/",
    }
    for kind, path in pages.items():
        with django_assert_max_num_queries(COLD[kind]):
            first = client.get(path)
        assert first.status_code == 200
        assert first["X-Storefront-Cache"] == "miss"
        with django_assert_max_num_queries(WARM):
            again = client.get(path)
        assert again["X-Storefront-Cache"] == "hit"
        assert _main(again) == _main(first), "the same page (the CSRF token differs)"


def test_a_cold_search_is_one_query_for_the_products_and_every_facet(
    dealer, supplier_a, host_client, django_assert_num_queries
):
    _shop(dealer, supplier_a, 5)
    client = host_client(dealer)
    client.get("/")  # navigation and category tree cached
    with django_assert_num_queries(5) as captured:  # 2 SETs, domain, storefront, search
        response = client.get("/search/", {"q": "phone", "brand": "品牌1"})
    assert response.status_code == 200
    search = captured.captured_queries[-1]["sql"]
    assert "GROUPING SETS" in search and "LIMIT" in search
