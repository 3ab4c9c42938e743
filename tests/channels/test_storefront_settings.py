"""Storefront settings (店铺装修): name, logo, colour, banner, featured products and who sees
prices; validated, per dealer, audited."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from channels.models import PriceVisibility, StorefrontSettings
from tests.builders import image_bytes, upload
from tests.storefront.builders import listing_build, offer_build

pytestmark = pytest.mark.usefixtures("categories")


def _form(**changes) -> dict:
    data = {
        "name": "德尔塔数码",
        "tagline": "",
        "brand_color": "",
        "banner_title": "",
        "banner_text": "",
        "price_visibility": PriceVisibility.EVERYONE,
    }
    data.update(changes)
    return data


def _settings(dealer) -> StorefrontSettings:
    with tenant_context(dealer):
        return StorefrontSettings.objects.get(singleton=1)


def test_saving_the_look_shows_on_the_storefront(dealer, signed_in, host_client):
    client = signed_in(dealer)
    response = client.post(
        "/backoffice/storefront/",
        _form(tagline="正品保障", brand_color="#1A6FD4", banner_title="新品上市"),
    )

    assert response.status_code == 302
    row = _settings(dealer)
    assert (row.name, row.brand_color, row.banner_title) == ("德尔塔数码", "#1a6fd4", "新品上市")
    with tenant_context(dealer):
        audit = AuditLog.objects.get(action="storefront.settings")
    assert audit.actor_label == client.user.email and audit.data["brand_color"] == "#1a6fd4"
    home = host_client(dealer).get("/").content.decode()
    assert "--color-brand: #1a6fd4;" in home
    assert '<span class="brand-name">德尔塔数码</span>' in home
    assert "新品上市" in home and "正品保障" in home


@pytest.mark.parametrize("colour", ["red", "#12345g", "#1234567", "#123", "1a6fd4"])
def test_a_brand_colour_must_be_hex(colour, dealer, signed_in):
    response = signed_in(dealer).post("/backoffice/storefront/", _form(brand_color=colour))
    assert response.status_code == 400
    assert "Enter a colour as # and six hexadecimal digits" in response.content.decode()
    assert _settings(dealer).name == "", "nothing saved"


def test_a_logo_is_validated_re_encoded_and_served_on_the_dealers_domain_only(
    dealer, dealer_b, media_root, signed_in, host_client
):
    client = signed_in(dealer)
    response = client.post(
        "/backoffice/storefront/",
        {**_form(), "logo": upload("logo.png", image_bytes("PNG", (120, 60)), "image/png")},
    )
    assert response.status_code == 302
    logo = _settings(dealer).logo.name
    assert re.fullmatch(r"storefront/[0-9a-f]{32}\.png", logo), logo
    assert (media_root / dealer.schema_name / logo).exists()

    home = host_client(dealer).get("/").content.decode()
    url = f"/media/{dealer.schema_name}/{logo}"
    assert f'<img class="storefront-logo" src="{url}"' in home
    served = host_client(dealer).get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"


def test_storefront_images_are_served_only_on_their_own_domain(
    dealer, dealer_b, supplier_a, media_root, signed_in, host_client
):
    signed_in(dealer).post(
        "/backoffice/storefront/",
        {**_form(), "banner_image": upload("b.jpg", image_bytes("JPEG", (400, 100)), "image/jpeg")},
    )
    banner = _settings(dealer).banner_image.name
    url = f"/media/{dealer.schema_name}/{banner}"
    assert host_client(dealer).get(url).status_code == 200
    assert host_client(dealer_b).get(url).status_code == 404
    assert host_client(supplier_a).get(url).status_code == 404
    for bad in (
        "/media/{s}/../{s}/" + banner,
        "/media/{s}/accounts/x.png",
        "/media/{s}/" + banner + "x",
    ):
        assert host_client(dealer).get(bad.format(s=dealer.schema_name)).status_code == 404


def test_a_file_that_is_not_an_image_is_refused(dealer, media_root, signed_in):
    response = signed_in(dealer).post(
        "/backoffice/storefront/",
        {**_form(), "logo": upload("logo.png", b"<svg onload=alert(1)>", "image/png")},
    )
    assert response.status_code == 400
    assert "this is not a readable JPEG, PNG or WebP image" in response.content.decode()
    assert _settings(dealer).logo.name == ""


def test_featured_products_are_chosen_among_the_stores_listings(
    dealer, supplier_a, signed_in, host_client
):
    first = listing_build(dealer, offer_build(supplier=supplier_a, name="主推 一号"))
    listing_build(dealer, offer_build(supplier=supplier_a, name="普通 二号"))
    client = signed_in(dealer)
    assert "主推 一号" in client.get("/backoffice/storefront/").content.decode()

    assert (
        client.post("/backoffice/storefront/", {**_form(), "featured": [first.pk]}).status_code
        == 302
    )

    home = host_client(dealer).get("/").content.decode()
    featured = home.split('id="featured-title"')[1].split("</section>")[0]
    assert "Featured products" in home
    assert "主推 一号" in featured and "普通 二号" not in featured
    refused = client.post("/backoffice/storefront/", {**_form(), "featured": [first.pk + 10_000]})
    assert refused.status_code == 400


def test_only_managers_change_the_storefront(dealer, signed_in):
    staff = signed_in(dealer, Role.STAFF)
    assert staff.get("/backoffice/storefront/").status_code == 403
    assert staff.post("/backoffice/storefront/", _form(name="hijack")).status_code == 403
    assert _settings(dealer).name == ""
