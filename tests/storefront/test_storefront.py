"""The storefront pages a buyer sees: home with the dealer's branding, the category
navigation, product pages; only what this dealer sells and the supplier still offers."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django_tenants.utils import tenant_context

from accounts.models import Role
from catalog.models import OfferAudience, OfferStatus
from channels import services
from channels.models import PriceVisibility
from tests.storefront.builders import (
    authorise,
    listing_build,
    offer_build,
    offer_change,
    sku_change,
    sku_spec,
)

pytestmark = pytest.mark.usefixtures("categories")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def nav(html: str) -> str:
    found = re.search(r'<nav class="storefront-nav.*?</nav>', html, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def phone(supplier_a):
    return offer_build(
        supplier=supplier_a,
        name="星河 X1 智能手机 Smartphone",
        brand="星河",
        description="<p>旗舰 <strong>5G</strong> 手机</p><script>alert(1)</script>",
        images=[
            {"url": "http://acme.localhost/media/p/1.jpg", "thumb": "http://acme.localhost/t/1.jpg"}
        ],
        moq=2,
        skus=[
            sku_spec("X1-B256", variant={"color": "黑色", "storage": "256GB"}, available=80),
            sku_spec("X1-W256", variant={"color": "白色", "storage": "256GB"}, available=3),
            sku_spec("X1-W512", variant={"color": "白色", "storage": "512GB"}, available=0),
        ],
    )


def test_home_shows_the_dealers_branding_and_featured_products(
    dealer, phone, supplier_a, host_client
):
    other = offer_build(supplier=supplier_a, name="声悦 耳机", category="headphones")
    listing_build(dealer, phone)
    featured = listing_build(dealer, other)
    with tenant_context(dealer):
        services.storefront_settings_update(
            actor=None,
            name="德尔塔数码旗舰店",
            tagline="正品行货",
            brand_color="#0A7D5A",
            banner_title="开学季 Back to school",
            banner_text="全场包邮",
            featured_listing_ids=[featured.pk],
        )

    html = text(host_client(dealer).get("/"))

    assert "<title>Home · 德尔塔数码旗舰店</title>" in html
    assert "--color-brand: #0a7d5a;" in html
    assert "开学季 Back to school" in html and "全场包邮" in html
    featured_section = html.split('id="featured-title"')[1].split("</section>")[0]
    assert "声悦 耳机" in featured_section
    assert "星河 X1" not in featured_section, "only the featured product"
    assert 'href="/accounts/login/?next=/"' in html, "a sign-in link for visitors"


def test_navigation_has_three_levels_with_counts_of_listed_products_only(
    dealer, phone, supplier_a, host_client
):
    listing_build(dealer, phone)
    listing_build(
        dealer, offer_build(supplier=supplier_a, name="老人机", category="feature-phones")
    )
    listing_build(dealer, offer_build(supplier=supplier_a, name="笔记本", category="laptops"))
    offer_build(supplier=supplier_a, name="冰箱 not listed", category="refrigerators")

    menu = nav(text(host_client(dealer).get("/")))

    assert 'href="/c/electronics/">Electronics <span class="muted">(3)</span>' in menu
    assert 'href="/c/phones/">Phones <span class="muted">(2)</span>' in menu
    assert 'href="/c/smartphones/">Smartphones <span class="muted">(1)</span>' in menu
    assert 'href="/c/laptops/">Laptops <span class="muted">(1)</span>' in menu
    assert "Home appliances" not in menu and "Refrigerators" not in menu
    assert "Monitors" not in menu, "no empty categories"


def test_product_page_shows_images_specs_variants_price_tiers_stock_and_moq(
    dealer, phone, host_client
):
    listing_build(dealer, phone, {"X1-B256": "1500.00", "X1-W256": "1600.00"})
    client = host_client(dealer)
    skus = {sku.code: sku for sku in phone.skus.all()}

    html = text(client.get(f"/p/{phone.pk}/"))

    assert "<h1>星河 X1 智能手机 Smartphone</h1>" in html
    assert 'src="http://acme.localhost/media/p/1.jpg"' in html
    assert "<dt>Screen size</dt><dd>6.1</dd>" in html
    assert "<strong>5G</strong>" in html and "<script>" not in html.split("<main")[1]
    # The first SKU in stock is chosen: ¥1,500 with the supplier's tiers proportionally.
    assert "Item: X1-B256" in html
    assert "<strong>¥1,500.00</strong>" in html
    assert "¥1,425.00" in html and "¥1,350.00" in html
    assert "Minimum order: 2 台" in html
    assert '<span class="badge badge-success">In stock</span>' in html
    # Variant picker: links to the other SKUs, the chosen values marked.
    assert '<span class="btn btn-primary btn-small" aria-current="true">黑色</span>' in html
    assert f'href="?sku={skus["X1-W256"].pk}"' in html

    white = text(client.get(f"/p/{phone.pk}/", {"sku": skus["X1-W256"].pk}))
    assert "<strong>¥1,600.00</strong>" in white
    assert "Low stock: 3 left" in white
    sold_out = text(client.get(f"/p/{phone.pk}/", {"sku": skus["X1-W512"].pk}))
    assert "<strong>¥2,000.00</strong>" in sold_out, "an unpriced SKU sells at the suggested price"
    assert "Out of stock" in sold_out


def test_a_product_this_dealer_does_not_sell_is_a_404(dealer, dealer_b, phone, host_client):
    listing_build(dealer_b, phone)
    assert host_client(dealer).get(f"/p/{phone.pk}/").status_code == 404
    assert host_client(dealer).get("/p/999999999/").status_code == 404
    assert host_client(dealer_b).get(f"/p/{phone.pk}/").status_code == 200


def test_a_product_not_published_to_this_dealer_never_shows(
    dealer, dealer_b, supplier_a, host_client
):
    exclusive = offer_build(
        supplier=supplier_a, name="授权专供 手机", audience=OfferAudience.AUTHORISED
    )
    authorise(supplier=supplier_a, dealer=dealer)
    listing_build(dealer, exclusive)
    assert text(host_client(dealer).get("/search/", {"q": "手机"})).count("授权专供") == 1

    # The supplier revokes the authorisation: gone from the storefront at once.
    from catalog.models import DealerAuthorisation

    DealerAuthorisation.objects.filter(supplier=supplier_a, dealer=dealer).delete()
    offer_change(exclusive)  # the publishing sync bumps the offers on a revocation
    client = host_client(dealer)
    assert "授权专供" not in text(client.get("/search/", {"q": "手机"}))
    assert "授权专供" not in text(client.get("/"))
    assert client.get(f"/p/{exclusive.pk}/").status_code == 404


def test_a_withdrawn_offer_leaves_the_storefront_at_once(dealer, phone, host_client):
    listing_build(dealer, phone)
    client = host_client(dealer)
    assert "星河 X1" in text(client.get("/search/", {"q": "phone"}))  # now cached

    offer_change(phone, status=OfferStatus.WITHDRAWN)

    assert "星河 X1" not in text(client.get("/search/", {"q": "phone"}))
    assert "星河 X1" not in text(client.get("/"))
    assert client.get(f"/p/{phone.pk}/").status_code == 404
    assert "Smartphones" not in nav(text(client.get("/")))


def test_an_inactive_sku_leaves_the_product_page_at_once(dealer, phone, host_client):
    listing_build(dealer, phone)
    client = host_client(dealer)
    white_512 = phone.skus.get(code="X1-W512")
    assert "512GB" in text(client.get(f"/p/{phone.pk}/"))

    sku_change(phone, white_512, is_active=False)

    html = text(client.get(f"/p/{phone.pk}/"))
    assert "512GB" not in html
    assert client.get(f"/p/{phone.pk}/", {"sku": white_512.pk}).status_code == 200
    assert "Item: X1-B256" in text(client.get(f"/p/{phone.pk}/", {"sku": white_512.pk}))


def test_a_price_change_shows_on_the_next_request(dealer, phone, host_client):
    listing = listing_build(dealer, phone)
    client = host_client(dealer)
    assert "¥2,000.00" in text(client.get(f"/p/{phone.pk}/"))
    with tenant_context(dealer):
        sku = phone.skus.get(code="X1-B256")
        services.listing_prices_set(
            actor=None, listing=listing, prices={sku.pk: Decimal("1777.00")}
        )
    assert "¥1,777.00" in text(client.get(f"/p/{phone.pk}/"))
    assert "¥1,777.00" in text(client.get("/search/", {"q": "phone"}))


def test_stock_from_the_supplier_sync_shows_on_the_next_request(dealer, phone, host_client):
    listing_build(dealer, phone)
    client = host_client(dealer)
    black = phone.skus.get(code="X1-B256")
    assert "In stock" in text(client.get(f"/p/{phone.pk}/", {"sku": black.pk}))

    sku_change(phone, black, available=0)

    assert "Out of stock" in text(client.get(f"/p/{phone.pk}/", {"sku": black.pk}))


def test_prices_only_for_signed_in_visitors_when_the_dealer_says_so(
    dealer, phone, host_client, signed_in
):
    listing_build(dealer, phone, {"X1-B256": "1500.00"})
    with tenant_context(dealer):
        services.storefront_settings_update(
            actor=None, name="", price_visibility=PriceVisibility.SIGNED_IN
        )
    guest = host_client(dealer)

    for page in (guest.get(f"/p/{phone.pk}/"), guest.get("/search/", {"q": "phone"})):
        html = text(page)
        assert "Sign in to see prices" in html
        assert "¥1,500.00" not in html and "¥1,425.00" not in html
    sorted_by_price = text(guest.get("/search/", {"sort": "price_asc"}))
    assert "Price: low to high" not in sorted_by_price, "no price sort for guests"

    buyer = signed_in(dealer, Role.STAFF)
    html = text(buyer.get(f"/p/{phone.pk}/"))
    assert "<strong>¥1,500.00</strong>" in html and "Sign in to see prices" not in html
    assert "Backoffice" in html, "dealer staff find their way back to the backoffice"


def test_unknown_category_is_a_404(dealer, host_client):
    assert host_client(dealer).get("/c/no-such-category/").status_code == 404


def test_storefront_follows_the_language(dealer, phone, host_client):
    listing_build(dealer, phone)
    client = host_client(dealer)
    client.cookies["django_language"] = "zh-hans"
    chinese = text(client.get(f"/p/{phone.pk}/"))
    client.cookies["django_language"] = "en"
    english = text(client.get(f"/p/{phone.pk}/"))
    assert "<dt>屏幕尺寸</dt>" in chinese and 'href="/c/smartphones/">智能手机' in chinese
    assert "<dt>Screen size</dt>" in english and 'href="/c/smartphones/">Smartphones' in english
