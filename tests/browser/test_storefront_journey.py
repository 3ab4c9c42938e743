"""From a supplier's new product to a guest finding it on a dealer's storefront, clicked
through in a real browser.

A supplier's manager creates a smartphone in the supplier backoffice (category, parameters,
one SKU with its controlled prices), lists it and publishes it to all dealers on its publishing
page; a dealer's manager finds it in the supply catalogue of the dealer backoffice and adds it
to the store at a price of the dealer's own; a guest opens the dealer's storefront, searches for
a Chinese keyword, finds the product and opens its page at the dealer's price.

Everything the test commits (users, sessions, product, offer, listing, audit rows, and the
category tree if the test had to create it) is removed afterwards.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.models import Tenant

pytestmark = [pytest.mark.browser]

PRODUCT_CODE = "BRW-SHOP-X9"
PRODUCT_NAME = "浏览器 X9 智能手机 Browser phone"
SUPPLIER_EMAIL = "brw-supplier-manager@acme.test"
DEALER_EMAIL = "brw-dealer-manager@delta.test"
PASSWORD = "Storefront-journey-pass-2024"


def _purge(acme: Tenant, delta: Tenant, *, categories_created: bool) -> None:
    """Remove what the journey committed, in every schema it touched."""
    from accounts.models import AuditLog
    from catalog.models import Category, SupplyOffer
    from channels.models import Listing
    from suppliers.models import Product

    connection.set_schema_to_public()
    offer_ids = list(
        SupplyOffer.objects.filter(supplier=acme, code=PRODUCT_CODE).values_list("pk", flat=True)
    )
    with tenant_context(delta):
        listings = Listing.objects.filter(offer_id__in=offer_ids)
        AuditLog.objects.filter(
            target_type=Listing._meta.label,
            target_id__in=[str(pk) for pk in listings.values_list("pk", flat=True)],
        ).delete()
        listings.delete()  # prices cascade
        _users_remove(DEALER_EMAIL)
    with tenant_context(acme):
        products = Product.objects.filter(code=PRODUCT_CODE)
        AuditLog.objects.filter(
            target_type=Product._meta.label,
            target_id__in=[str(pk) for pk in products.values_list("pk", flat=True)],
        ).delete()
        for product in products:
            product.delete()  # SKUs, tiers, images and stock cascade
        _users_remove(SUPPLIER_EMAIL)
    connection.set_schema_to_public()
    SupplyOffer.objects.filter(pk__in=offer_ids).delete()
    if categories_created:
        for level in (3, 2, 1):
            Category.objects.filter(level=level).delete()


def _users_remove(email: str) -> None:
    """Delete a tenant user, its audit rows and sessions (active schema)."""
    from django.contrib.sessions.models import Session

    from accounts.models import AuditLog, User

    user = User.objects.filter(email=email).first()
    AuditLog.objects.filter(actor_label=email).delete()
    if user is None:
        return
    AuditLog.objects.filter(actor_id=user.pk).delete()
    for session in Session.objects.all():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
    User.objects.filter(pk=user.pk)._raw_delete(connection.alias)


@pytest.fixture
def journey(committed_db, live_site):
    """The session's supplier (acme) and dealer (delta), a manager at each, and the clean-up."""
    from accounts.models import Role, User
    from catalog.models import Category
    from catalog.seed import category_tree_seed

    connection.set_schema_to_public()
    acme, delta = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="delta")
    categories_created = not Category.objects.exists()
    _purge(acme, delta, categories_created=False)  # left by an interrupted run
    category_tree_seed()
    for tenant, email in ((acme, SUPPLIER_EMAIL), (delta, DEALER_EMAIL)):
        with tenant_context(tenant):
            User.objects.create_user(email=email, password=PASSWORD, role=Role.MANAGER)
    connection.set_schema_to_public()
    yield acme, delta
    _purge(acme, delta, categories_created=categories_created)
    connection.set_schema_to_public()


def _sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


def test_supplier_publishes_dealer_lists_guest_finds_it_by_a_chinese_keyword(
    live_site, new_page, journey, screenshots
):
    acme, delta = journey
    supplier_url, dealer_url = live_site.tenant_url("acme"), live_site.tenant_url("delta")

    # 1. The supplier's manager creates a smartphone: category first, then the product form.
    supplier = new_page()
    _sign_in(supplier, supplier_url, SUPPLIER_EMAIL)
    supplier.goto(f"{supplier_url}/products/create/")
    supplier.select_option("select[name=category]", label="Electronics › Phones › Smartphones")
    supplier.click("main form button[type=submit]")
    supplier.wait_for_url(re.compile(r"/products/create/\?category=\d+"))
    supplier.fill("input[name=code]", PRODUCT_CODE)
    supplier.fill("input[name=name]", PRODUCT_NAME)
    supplier.fill("input[name=brand]", "浏览器")
    supplier.fill("input[name=param_warranty_months]", "12")
    supplier.fill("input[name=param_screen_size]", "6.7")
    supplier.fill("input[name=param_cpu]", "骁龙 8 Gen 3")
    supplier.fill("input[name=param_battery]", "5000")
    supplier.select_option("select[name=param_network]", "5G")
    supplier.fill("input[name='skus-0-code']", f"{PRODUCT_CODE}-BLK")
    supplier.fill("input[name='skus-0-variant_color']", "黑色")
    supplier.select_option("select[name='skus-0-variant_storage']", "256GB")
    supplier.fill("input[name='skus-0-supply_price']", "1000.00")
    supplier.fill("input[name='skus-0-min_resale_price']", "1100.00")
    supplier.fill("input[name='skus-0-suggested_retail_price']", "1999.00")
    supplier.screenshot(path=str(screenshots / "1-product-form.png"), full_page=True)
    supplier.click("main form .form-actions button[type=submit]")
    supplier.wait_for_url(re.compile(r"/products/\d+/$"))
    assert f"Product {PRODUCT_CODE} created as a draft." in supplier.locator("main").inner_text()

    # 2. ... lists it, and publishes it to all dealers.
    with supplier.expect_navigation():
        supplier.click("form.inline button:has-text('List')")
    assert "is now “Listed”" in supplier.locator("main").inner_text()
    supplier.click("a:has-text('Publish to dealers')")
    supplier.wait_for_url(re.compile(r"/products/\d+/publishing/$"))
    with supplier.expect_navigation():
        supplier.click("button[name=action][value=publish]")
    supplier.screenshot(path=str(screenshots / "2-published.png"), full_page=True)

    # 3. The dealer's manager finds it in the supply catalogue and adds it at its own price.
    dealer = new_page()
    _sign_in(dealer, dealer_url, DEALER_EMAIL)
    dealer.goto(f"{dealer_url}/backoffice/catalogue/")
    dealer.fill("input[name=q]", "X9")
    with dealer.expect_navigation():
        dealer.click("form.filters button[type=submit]")
    dealer.locator("table a", has_text=PRODUCT_NAME).click()
    dealer.wait_for_url(re.compile(r"/backoffice/catalogue/\d+/$"))
    price = dealer.locator("form[action$='/add/'] input[name^=price_]")
    assert price.input_value() == "1999.00", "the suggested retail price is the default"
    price.fill("1000.00")  # below the supplier's minimum: refused with the reason
    with dealer.expect_navigation():
        dealer.click("button:has-text('Add to my store')")
    assert (
        "below the supplier's minimum resale price of ¥1,100.00"
        in dealer.locator("main").inner_text()
    )
    dealer.locator("input[name^=price_]").fill("1888.00")
    with dealer.expect_navigation():
        dealer.click("button:has-text('Add to my store')")
    assert f"“{PRODUCT_NAME}” is now in your store." in dealer.locator("main").inner_text()
    dealer.screenshot(path=str(screenshots / "3-listed.png"), full_page=True)

    # 4. A guest opens the storefront and searches for a Chinese keyword.
    guest = new_page()
    guest.goto(f"{dealer_url}/")
    assert delta.name in guest.locator("header .brand-name").inner_text()
    guest.fill("#storefront-q", "手机")
    with guest.expect_navigation():
        guest.press("#storefront-q", "Enter")
    assert "/search/?q=" in guest.url
    card = guest.locator("article.product-card", has_text=PRODUCT_NAME)
    assert card.count() == 1
    assert "¥1,888.00" in card.inner_text()
    guest.screenshot(path=str(screenshots / "4-found.png"), full_page=True)
    card.locator("a.product-card-link").click()
    guest.wait_for_url(re.compile(r"/p/\d+/$"))
    assert guest.locator("h1").inner_text() == PRODUCT_NAME
    assert "¥1,888.00" in guest.locator(".product-price").inner_text()
    assert "黑色" in guest.locator(".variant-picker").inner_text()
    guest.screenshot(path=str(screenshots / "5-product.png"), full_page=True)
