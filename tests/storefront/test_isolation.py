"""What one dealer sells, at which price and under which look, never shows at another dealer;
supplier domains have no storefront or dealer backoffice at all. (Every dealer URL is also in
tests/test_isolation.py's table.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django_tenants.utils import tenant_context

from channels import services
from tests.storefront.builders import listing_build, offer_build

pytestmark = pytest.mark.usefixtures("categories")


def test_category_pages_show_only_this_dealers_products(dealer, dealer_b, supplier_a, host_client):
    mine = offer_build(supplier=supplier_a, name="德尔塔专卖 手机")
    theirs = offer_build(supplier=supplier_a, name="欧米伽专卖 手机")
    listing_build(dealer, mine)
    listing_build(dealer_b, theirs)

    for path in ("/c/smartphones/", "/c/electronics/", "/search/?q=手机", "/"):
        delta_html = host_client(dealer).get(path).content.decode()
        omega_html = host_client(dealer_b).get(path).content.decode()
        assert "德尔塔专卖" in delta_html and "欧米伽专卖" not in delta_html, path
        assert "欧米伽专卖" in omega_html and "德尔塔专卖" not in omega_html, path


def test_the_same_offer_at_two_dealers_keeps_each_dealers_price_and_look(
    dealer, dealer_b, supplier_a, host_client
):
    offer = offer_build(supplier=supplier_a, name="共同商品 Shared phone")
    sku = offer.skus.get()
    listing_build(dealer, offer, {sku.code: "1500.00"})
    listing_build(dealer_b, offer, {sku.code: "1800.00"})
    with tenant_context(dealer):
        services.storefront_settings_update(actor=None, name="德尔塔旗舰店", brand_color="#112233")

    # Same paths, same versions on both sides: cached pages must not cross over.
    for _ in range(2):
        delta = host_client(dealer).get(f"/p/{offer.pk}/").content.decode()
        omega = host_client(dealer_b).get(f"/p/{offer.pk}/").content.decode()
        assert "¥1,500.00" in delta and "¥1,800.00" not in delta
        assert "¥1,800.00" in omega and "¥1,500.00" not in omega
        assert "德尔塔旗舰店" in delta and "德尔塔旗舰店" not in omega
        assert "#112233" in delta and "#112233" not in omega


def test_another_dealers_listing_cannot_be_changed(dealer, dealer_b, supplier_a, signed_in):
    offer = offer_build(supplier=supplier_a, name="德尔塔的商品")
    listing = listing_build(dealer, offer)
    client = signed_in(dealer_b)
    sku = offer.skus.get()

    assert client.get(f"/backoffice/listings/{listing.pk}/update/").status_code in (404,)
    client.post(f"/backoffice/listings/{listing.pk}/update/", {f"price_{sku.pk}": "1.00"})
    client.post(f"/backoffice/listings/{listing.pk}/status/", {"to": "delisted"})

    with tenant_context(dealer):
        listing.refresh_from_db()
        assert listing.status == "listed"
        assert listing.prices.get().price == Decimal("2000.00")


@pytest.mark.parametrize(
    "name",
    [
        "storefront:home",
        "storefront:search",
        "channels:dashboard",
        "channels:offer-list",
        "channels:listing-list",
        "channels:storefront-settings",
        "channels-api:listing-list",
    ],
)
def test_supplier_domains_have_no_storefront_or_dealer_backoffice(name, supplier_a, signed_in):
    with pytest.raises(NoReverseMatch):
        reverse(name, urlconf="platform_site.urls_supplier")
    path = reverse(name, urlconf="platform_site.urls_dealer")
    if path != "/":  # "/" is the supplier's own dashboard there
        assert signed_in(supplier_a).get(path).status_code == 404


def test_supplier_domains_do_not_serve_product_pages(supplier_a, dealer, host_client):
    offer = offer_build(supplier=supplier_a, name="某商品")
    listing_build(dealer, offer)
    for path in (f"/p/{offer.pk}/", "/c/smartphones/", "/search/?q=x"):
        assert host_client(supplier_a).get(path).status_code == 404, path
