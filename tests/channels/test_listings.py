"""A dealer adds supplier offers to its store at its own prices: one by one in the backoffice,
in bulk from the catalogue page, and through the API. The supplier's minimum resale price is
enforced on all three paths, and nothing a dealer does changes supplier data."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from catalog.models import OfferAudience, OfferStatus, SupplyOffer, SupplyOfferSku
from channels import services
from channels.models import Listing, ListingPrice, ListingStatus
from tests.storefront.builders import authorise, listing_build, offer_build, sku_spec

pytestmark = pytest.mark.usefixtures("categories")

FLOOR_MESSAGE = "below the supplier's minimum resale price of ¥1,100.00"


@pytest.fixture
def phone(supplier_a):
    """Two SKUs: supply ¥1,000, floor ¥1,100, suggested ¥2,000; tiers 10+ ¥950, 50+ ¥900."""
    return offer_build(
        supplier=supplier_a,
        name="星河 X1 智能手机",
        brand="星河",
        skus=[
            sku_spec("X1-BLK", variant={"color": "黑色"}),
            sku_spec("X1-WHT", variant={"color": "白色"}),
        ],
    )


def _skus(offer) -> dict[str, SupplyOfferSku]:
    return {sku.code: sku for sku in offer.skus.all()}


def _listing_of(dealer, offer) -> Listing | None:
    with tenant_context(dealer):
        return Listing.objects.filter(offer_id=offer.pk).first()


def _prices_of(dealer, offer) -> dict[str, Decimal]:
    codes = {sku.pk: code for code, sku in _skus(offer).items()}
    with tenant_context(dealer):
        rows = ListingPrice.objects.filter(listing__offer_id=offer.pk)
        return {codes[row.offer_sku_id]: row.price for row in rows}


# --- one product, in the backoffice ---------------------------------------------------------------


def test_the_form_starts_at_the_suggested_retail_price_and_lists_at_the_dealers_prices(
    dealer, phone, signed_in
):
    client = signed_in(dealer)
    page = client.get(f"/backoffice/catalogue/{phone.pk}/")
    skus = _skus(phone)
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="price_{skus["X1-BLK"].pk}" value="2000.00"' in html
    assert "minimum ¥1,100.00" in html

    response = client.post(
        f"/backoffice/catalogue/{phone.pk}/add/",
        {f"price_{skus['X1-BLK'].pk}": "1888.00", f"price_{skus['X1-WHT'].pk}": "1999.00"},
    )

    listing = _listing_of(dealer, phone)
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/listings/{listing.pk}/update/"
    assert listing.status == ListingStatus.LISTED
    assert (listing.price_min, listing.price_max) == (Decimal("1888.00"), Decimal("1999.00"))
    assert _prices_of(dealer, phone) == {"X1-BLK": Decimal("1888.00"), "X1-WHT": Decimal("1999.00")}
    with tenant_context(dealer):
        audit = AuditLog.objects.get(action="listing.create")
    assert audit.actor_label == client.user.email
    assert audit.data["prices"] == {"X1-BLK": "1888.00", "X1-WHT": "1999.00"}


def test_the_form_refuses_a_price_below_the_floor_and_lists_nothing(dealer, phone, signed_in):
    skus = _skus(phone)
    response = signed_in(dealer).post(
        f"/backoffice/catalogue/{phone.pk}/add/",
        {f"price_{skus['X1-BLK'].pk}": "1099.99", f"price_{skus['X1-WHT'].pk}": "1500.00"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "¥1,099.99 is below the supplier&#x27;s minimum resale price of ¥1,100.00" in html
    assert _listing_of(dealer, phone) is None


def test_the_floor_itself_is_allowed(dealer, phone, signed_in):
    skus = _skus(phone)
    response = signed_in(dealer).post(
        f"/backoffice/catalogue/{phone.pk}/add/",
        {f"price_{skus['X1-BLK'].pk}": "1100.00", f"price_{skus['X1-WHT'].pk}": "1100.00"},
    )
    assert response.status_code == 302
    assert _listing_of(dealer, phone).price_min == Decimal("1100.00")


def test_staff_may_browse_but_not_list(dealer, phone, signed_in):
    client = signed_in(dealer, Role.STAFF)
    page = client.get(f"/backoffice/catalogue/{phone.pk}/")
    assert page.status_code == 200
    assert "Add to my store" not in page.content.decode()
    skus = _skus(phone)
    response = client.post(
        f"/backoffice/catalogue/{phone.pk}/add/", {f"price_{skus['X1-BLK'].pk}": "2000.00"}
    )
    assert response.status_code == 403
    assert _listing_of(dealer, phone) is None


def test_changing_prices_keeps_the_floor(dealer, phone, signed_in):
    listing_build(dealer, phone)
    listing = _listing_of(dealer, phone)
    skus = _skus(phone)
    client = signed_in(dealer)
    url = f"/backoffice/listings/{listing.pk}/update/"

    refused = client.post(
        url, {f"price_{skus['X1-BLK'].pk}": "900.00", f"price_{skus['X1-WHT'].pk}": "2000.00"}
    )
    assert refused.status_code == 400
    assert "¥900.00 is below" in refused.content.decode()
    assert _prices_of(dealer, phone)["X1-BLK"] == Decimal("2000.00")

    saved = client.post(
        url, {f"price_{skus['X1-BLK'].pk}": "1500.00", f"price_{skus['X1-WHT'].pk}": "2000.00"}
    )
    assert saved.status_code == 302
    assert _prices_of(dealer, phone)["X1-BLK"] == Decimal("1500.00")
    assert _listing_of(dealer, phone).price_min == Decimal("1500.00")


def test_the_price_page_shows_the_buyers_volume_prices(dealer, phone, signed_in):
    listing_build(dealer, phone, {"X1-BLK": "1500.00"})
    listing = _listing_of(dealer, phone)

    html = signed_in(dealer).get(f"/backoffice/listings/{listing.pk}/update/").content.decode()

    # The supplier's tiers are -5 % from 10 and -10 % from 50: ¥1,425 and ¥1,350 on ¥1,500.
    assert "from 10: ¥1,425.00" in html
    assert "from 50: ¥1,350.00" in html


def test_delist_and_list_again(dealer, phone, signed_in):
    listing = listing_build(dealer, phone)
    client = signed_in(dealer)
    url = f"/backoffice/listings/{listing.pk}/status/"

    assert client.post(url, {"to": "delisted"}).status_code == 302
    assert _listing_of(dealer, phone).status == ListingStatus.DELISTED
    assert host_get(dealer, f"/p/{phone.pk}/").status_code == 404

    assert client.post(url, {"to": "listed"}).status_code == 302
    assert _listing_of(dealer, phone).status == ListingStatus.LISTED
    assert host_get(dealer, f"/p/{phone.pk}/").status_code == 200
    with tenant_context(dealer):
        actions = list(AuditLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["listing.delisted", "listing.listed"]


def host_get(tenant, path):
    from django.test import Client

    return Client(HTTP_HOST=tenant.host).get(path)


def test_a_listed_product_cannot_be_added_twice(dealer, phone):
    listing_build(dealer, phone)
    with (
        tenant_context(dealer),
        pytest.raises(services.ListingError, match="already in your store"),
    ):
        services.listing_create(actor=None, offer_id=phone.pk)


# --- visibility: only offers published to this dealer ---------------------------------------------


def test_an_offer_for_authorised_dealers_only_needs_the_authorisation(
    dealer, dealer_b, supplier_a, signed_in
):
    offer = offer_build(
        supplier=supplier_a, name="授权专供 Exclusive", audience=OfferAudience.AUTHORISED
    )
    authorise(supplier=supplier_a, dealer=dealer)

    assert signed_in(dealer).get(f"/backoffice/catalogue/{offer.pk}/").status_code == 200
    assert signed_in(dealer_b).get(f"/backoffice/catalogue/{offer.pk}/").status_code == 404
    sku = offer.skus.get()
    refused = signed_in(dealer_b).post(
        f"/backoffice/catalogue/{offer.pk}/add/", {f"price_{sku.pk}": "2000.00"}
    )
    assert refused.status_code == 404
    with tenant_context(dealer_b), pytest.raises(services.ListingError, match="not .or no longer"):
        services.listing_create(actor=None, offer_id=offer.pk)
    assert _listing_of(dealer_b, offer) is None


def test_a_withdrawn_offer_cannot_be_listed(dealer, supplier_a):
    offer = offer_build(supplier=supplier_a, name="已下架", status=OfferStatus.WITHDRAWN)
    with tenant_context(dealer), pytest.raises(services.ListingError):
        services.listing_create(actor=None, offer_id=offer.pk)


# --- in bulk, from the catalogue page ---------------------------------------------------------------


def _bulk(client, offers, *, basis="suggested", percent="100"):
    return client.post(
        "/backoffice/catalogue/add/",
        {
            "offers": [offer.pk for offer in offers],
            "basis": basis,
            "percent": percent,
            "next": "/backoffice/catalogue/",
        },
        follow=True,
    )


def test_bulk_add_lists_every_selected_offer_at_the_price_rule(
    dealer, supplier_a, phone, signed_in
):
    laptop = offer_build(
        supplier=supplier_a,
        name="ThinkPad 笔记本电脑",
        category="laptops",
        skus=[sku_spec("TP-1", supply="5000.00", minimum="5500.00", suggested="8000.00")],
    )

    response = _bulk(signed_in(dealer), [phone, laptop], basis="supply", percent="130")

    assert "2 product(s) added to your store." in response.content.decode()
    assert _prices_of(dealer, phone) == {"X1-BLK": Decimal("1300.00"), "X1-WHT": Decimal("1300.00")}
    assert _prices_of(dealer, laptop) == {"TP-1": Decimal("6500.00")}


def test_bulk_add_below_a_floor_lists_nothing_and_names_the_product(
    dealer, supplier_a, phone, signed_in
):
    cheap_margin = offer_build(
        supplier=supplier_a,
        name="耳机 Headphones",
        category="headphones",
        skus=[sku_spec("HP-1", supply="100.00", minimum="150.00", suggested="199.00")],
    )

    # 110 % of the supply price: fine for the phone (¥1,100 = its floor), not for the headphones.
    response = _bulk(signed_in(dealer), [phone, cheap_margin], basis="supply", percent="110")

    html = response.content.decode()
    assert "Nothing was added to your store" in html
    assert (
        "“耳机 Headphones”: HP-1: ¥110.00 is below the supplier&#x27;s minimum resale price" in html
    )
    assert _listing_of(dealer, phone) is None
    assert _listing_of(dealer, cheap_margin) is None


def test_bulk_add_refuses_an_offer_not_published_to_this_dealer(
    dealer, dealer_b, supplier_a, phone, signed_in
):
    exclusive = offer_build(
        supplier=supplier_a, name="Exclusive 专供", audience=OfferAudience.AUTHORISED
    )
    authorise(supplier=supplier_a, dealer=dealer)

    response = _bulk(signed_in(dealer_b), [phone, exclusive])

    assert f"Product {exclusive.pk} is not (or no longer) offered to your store." in (
        response.content.decode()
    )
    assert _listing_of(dealer_b, phone) is None, "all or nothing"
    assert _listing_of(dealer_b, exclusive) is None


# --- the API -----------------------------------------------------------------------------------------


def _api_post(client, body):
    return client.post("/api/v1/listings/", json.dumps(body), content_type="application/json")


def test_api_lists_an_offer_at_the_given_prices(dealer, phone, signed_in):
    skus = _skus(phone)
    response = _api_post(
        signed_in(dealer),
        {"offer": phone.pk, "prices": [{"sku": skus["X1-BLK"].pk, "price": "1666.00"}]},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["offer"] == phone.pk and body["status"] == "listed"
    prices = {row["code"]: row["price"] for row in body["prices"]}
    assert prices == {"X1-BLK": "1666.00", "X1-WHT": "2000.00"}  # unpriced SKU: suggested price
    assert _prices_of(dealer, phone)["X1-BLK"] == Decimal("1666.00")

    listed = signed_in(dealer, Role.STAFF, email="reader@delta.test").get("/api/v1/listings/")
    assert [row["offer"] for row in listed.json()["results"]] == [phone.pk]


def test_api_refuses_a_price_below_the_floor_with_the_reason_per_sku(dealer, phone, signed_in):
    skus = _skus(phone)
    response = _api_post(
        signed_in(dealer),
        {"offer": phone.pk, "prices": [{"sku": skus["X1-WHT"].pk, "price": "999.00"}]},
    )

    assert response.status_code == 400
    errors = response.json()["prices"][str(skus["X1-WHT"].pk)]
    assert errors == [f"X1-WHT: ¥999.00 is {FLOOR_MESSAGE}: the supplier does not allow "
                      "selling this product cheaper."]  # fmt: skip
    assert _listing_of(dealer, phone) is None


def test_api_refuses_an_offer_not_published_to_this_dealer(dealer_b, supplier_a, signed_in):
    exclusive = offer_build(
        supplier=supplier_a, name="Exclusive", audience=OfferAudience.AUTHORISED
    )
    response = _api_post(signed_in(dealer_b), {"offer": exclusive.pk})
    assert response.status_code == 400
    assert "not (or no longer) offered" in response.json()["non_field_errors"][0]
    assert _listing_of(dealer_b, exclusive) is None


def test_api_needs_a_signed_in_manager(dealer, phone, host_client, signed_in):
    anonymous = _api_post(host_client(dealer), {"offer": phone.pk})
    staff = _api_post(signed_in(dealer, Role.STAFF), {"offer": phone.pk})
    assert anonymous.status_code == 403
    assert staff.status_code == 403
    assert _listing_of(dealer, phone) is None


# --- supplier data is read-only to dealers -------------------------------------------------------------


def test_a_dealer_cannot_change_supplier_data(dealer, phone, signed_in):
    before = list(SupplyOffer.objects.filter(pk=phone.pk).values())
    before_skus = list(SupplyOfferSku.objects.filter(offer=phone).order_by("pk").values())
    client = signed_in(dealer, Role.OWNER)
    skus = _skus(phone)

    # Listing with fields that belong to the supplier: they are ignored, the offer is unchanged.
    response = _api_post(
        client,
        {
            "offer": phone.pk,
            "name": "renamed by a dealer",
            "min_resale_price": "1.00",
            "prices": [{"sku": skus["X1-BLK"].pk, "price": "1100.00", "min_resale_price": "1"}],
        },
    )
    assert response.status_code == 201
    # No endpoint edits, replaces or deletes anything of the supplier's.
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/listings/").status_code == 405
    for path in (f"/api/v1/offers/{phone.pk}/", f"/backoffice/catalogue/{phone.pk}/update/"):
        assert client.post(path, {"name": "x"}).status_code == 404
    assert client.post(f"/backoffice/catalogue/{phone.pk}/", {"name": "x"}).status_code == 405

    assert list(SupplyOffer.objects.filter(pk=phone.pk).values()) == before
    assert list(SupplyOfferSku.objects.filter(offer=phone).order_by("pk").values()) == before_skus
