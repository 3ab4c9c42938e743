"""What a dealer sees in the supply catalogue and may list, by its level's categories, the
suppliers' authorisation rules (by level, by region) and exclusive regions: the catalogue page,
the listing action, the listings API and the storefront all follow offers_visible."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from catalog.models import Category, DealerAuthorisation, OfferAudience
from channels.models import Listing
from channels.selectors import offers_visible
from network import services
from network.models import AuthorisationMode
from suppliers import publishing
from tests.network.conftest import profile_set
from tests.storefront.builders import authorise, listing_build, offer_build

pytestmark = pytest.mark.usefixtures("categories")

NOT_OFFERED = "not (or no longer) offered"


def _visible(dealer) -> set[str]:
    return set(offers_visible(dealer_id=dealer.pk).values_list("name", flat=True))


def _catalogue_names(client) -> str:
    page = client.get("/backoffice/catalogue/")
    assert page.status_code == 200
    return page.content.decode()


def _top(code: str) -> Category:
    return Category.objects.select_related("parent__parent").get(code=code).parent.parent


@pytest.fixture
def goods(supplier_a):
    """A phone and a fridge of acme's, both published to all dealers."""
    return {
        "phone": offer_build(supplier=supplier_a, name="Phone P1", category="smartphones"),
        "fridge": offer_build(supplier=supplier_a, name="Fridge F1", category="refrigerators"),
    }


@pytest.fixture
def phones_only(levels):
    """The terminal level, limited to the phones' top-level category."""
    terminal = levels["terminal"]
    terminal.categories.set([_top("smartphones")])
    return terminal


# --- the level's categories ------------------------------------------------------------------------


def test_a_level_limited_to_phones_sees_phones_only_in_the_catalogue(
    dealer, dealer_b, goods, phones_only, signed_in
):
    profile_set(dealer, level=phones_only)

    html = _catalogue_names(signed_in(dealer))
    assert "Phone P1" in html
    assert "Fridge F1" not in html
    # Another dealer, without that level, sees both.
    other = _catalogue_names(signed_in(dealer_b))
    assert "Phone P1" in other and "Fridge F1" in other


def test_a_level_without_categories_sees_every_category(dealer, goods, levels):
    profile_set(dealer, level=levels["terminal"])
    assert _visible(dealer) == {"Phone P1", "Fridge F1"}


def test_the_listing_action_refuses_a_category_the_level_may_not_sell(
    dealer, goods, phones_only, signed_in
):
    profile_set(dealer, level=phones_only)
    client = signed_in(dealer)
    fridge, phone = goods["fridge"], goods["phone"]

    refused = client.post(f"/backoffice/catalogue/{fridge.pk}/add/", {})
    detail = client.get(f"/backoffice/catalogue/{fridge.pk}/")
    listed = client.post(
        f"/backoffice/catalogue/{phone.pk}/add/",
        {f"price_{sku.pk}": "2000.00" for sku in phone.skus.all()},
    )

    assert refused.status_code == 404
    assert detail.status_code == 404
    assert listed.status_code == 302
    with tenant_context(dealer):
        assert list(Listing.objects.values_list("offer_id", flat=True)) == [phone.pk]


def test_the_bulk_listing_action_refuses_a_category_the_level_may_not_sell(
    dealer, goods, phones_only, signed_in
):
    profile_set(dealer, level=phones_only)
    response = signed_in(dealer).post(
        "/backoffice/catalogue/add/",
        {"offers": [goods["fridge"].pk, goods["phone"].pk], "basis": "retail", "percent": "100"},
    )
    assert response.status_code in (200, 302, 400)
    with tenant_context(dealer):
        assert not Listing.objects.filter(offer_id=goods["fridge"].pk).exists()


def test_the_api_refuses_to_list_a_category_the_level_may_not_sell(
    dealer, goods, phones_only, signed_in
):
    profile_set(dealer, level=phones_only)
    client = signed_in(dealer)

    refused = client.post(
        "/api/v1/listings/",
        json.dumps({"offer": goods["fridge"].pk}),
        content_type="application/json",
    )
    created = client.post(
        "/api/v1/listings/",
        json.dumps({"offer": goods["phone"].pk}),
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert NOT_OFFERED in refused.json()["non_field_errors"][0]
    assert created.status_code == 201
    with tenant_context(dealer):
        assert not Listing.objects.filter(offer_id=goods["fridge"].pk).exists()


def test_a_listing_made_before_the_limit_is_off_offer_in_the_api_and_off_the_storefront(
    dealer, goods, phones_only, signed_in, host_client
):
    listing_build(dealer, goods["fridge"])
    listing_build(dealer, goods["phone"])
    profile_set(dealer, level=phones_only)

    listed = signed_in(dealer).get("/api/v1/listings/").json()["results"]
    storefront = host_client(dealer).get("/search/?q=F1").content.decode()
    home = host_client(dealer).get(f"/p/{goods['fridge'].pk}/")

    assert {row["name"]: row["on_offer"] for row in listed} == {
        "Fridge F1": False,
        "Phone P1": True,
    }
    assert "Fridge F1" not in storefront
    assert home.status_code == 404


# --- the supplier's rule ----------------------------------------------------------------------------


def test_a_rule_by_level_admits_dealers_of_that_level_only(
    supplier_a, supplier_b, dealer, dealer_b, levels
):
    offer_build(supplier=supplier_a, name="Acme open", audience=OfferAudience.ALL_DEALERS)
    offer_build(supplier=supplier_a, name="Acme closed", audience=OfferAudience.AUTHORISED)
    offer_build(supplier=supplier_b, name="Beta open")
    profile_set(dealer, level=levels["provincial"])
    profile_set(dealer_b, level=levels["terminal"])
    assert _visible(dealer_b) == {"Acme open", "Beta open"}  # no rule yet: as before

    services.authorisation_rule_update(
        actor=None,
        supplier=supplier_a,
        mode=AuthorisationMode.LEVELS,
        level_ids=[levels["provincial"].pk],
    )

    assert _visible(dealer) == {"Acme open", "Acme closed", "Beta open"}
    assert _visible(dealer_b) == {"Beta open"}


def test_a_rule_by_region_admits_dealers_located_there(supplier_a, dealer, dealer_b, shell_dealer):
    offer_build(supplier=supplier_a, name="Acme open")
    profile_set(dealer, province="广东省", city="深圳市")
    profile_set(dealer_b, province="浙江省", city="杭州市")
    guangzhou = shell_dealer("Guangzhou dealer", province="广东省", city="广州市")
    ningbo = shell_dealer("Ningbo dealer", province="浙江省", city="宁波市")

    services.authorisation_rule_update(
        actor=None,
        supplier=supplier_a,
        mode=AuthorisationMode.REGIONS,
        regions=[("广东省", ""), ("浙江省", "杭州市")],
    )

    assert _visible(dealer) == {"Acme open"}
    assert _visible(guangzhou) == {"Acme open"}  # the whole province
    assert _visible(dealer_b) == {"Acme open"}  # the one city
    assert _visible(ningbo) == set()  # another city of that province


def test_one_by_one_admits_only_the_authorised_dealers_and_keeps_them_under_other_rules(
    supplier_a, dealer, dealer_b, levels
):
    offer_build(supplier=supplier_a, name="Acme open")
    authorise(supplier=supplier_a, dealer=dealer)

    services.authorisation_rule_update(
        actor=None, supplier=supplier_a, mode=AuthorisationMode.ONE_BY_ONE
    )
    assert _visible(dealer) == {"Acme open"}
    assert _visible(dealer_b) == set()

    services.authorisation_rule_update(actor=None, supplier=supplier_a, mode=AuthorisationMode.ALL)
    assert _visible(dealer_b) == {"Acme open"}


def test_the_rule_page_changes_what_a_dealer_sees(supplier_a, dealer, dealer_b, levels, signed_in):
    offer_build(supplier=supplier_a, name="Acme open")
    profile_set(dealer, level=levels["city"])
    client = signed_in(supplier_a)

    saved = client.post(
        "/network/", {"mode": "levels", "levels": [levels["city"].pk], "regions": ""}
    )

    assert saved.status_code == 302
    assert "Acme open" in _catalogue_names(signed_in(dealer))
    assert "Acme open" not in _catalogue_names(signed_in(dealer_b))


# --- exclusive regions --------------------------------------------------------------------------------


@pytest.fixture
def shenzhen(supplier_a, dealer, dealer_b):
    """delta and omega are both located in Shenzhen; acme's Guangdong is exclusive to delta."""
    profile_set(dealer, province="广东省", city="深圳市")
    profile_set(dealer_b, province="广东省", city="深圳市")
    offer_build(supplier=supplier_a, name="Acme open")
    offer_build(supplier=supplier_a, name="Acme closed", audience=OfferAudience.AUTHORISED)
    return services.exclusive_region_create(
        actor=None, supplier=supplier_a, province="广东省", city="", dealer_id=dealer.pk
    )


def test_the_holder_of_an_exclusive_region_sees_the_offers_and_others_there_do_not(
    shenzhen, supplier_a, supplier_b, dealer, dealer_b, shell_dealer
):
    offer_build(supplier=supplier_b, name="Beta open")
    elsewhere = shell_dealer("Hangzhou dealer", province="浙江省", city="杭州市")

    assert _visible(dealer) == {"Acme open", "Acme closed", "Beta open"}
    assert _visible(dealer_b) == {"Beta open"}  # only acme is exclusive there
    assert _visible(elsewhere) == {"Acme open", "Beta open"}


def test_authorising_a_second_dealer_in_the_exclusive_region_is_refused(
    shenzhen, supplier_a, dealer_b
):
    with tenant_context(supplier_a):
        with pytest.raises(publishing.PublishError) as refused:
            publishing.dealer_authorisations_update(actor=None, authorise=[dealer_b.pk], revoke=[])
    assert "Omega Channel" in str(refused.value)
    assert "exclusive to another dealer" in str(refused.value)
    assert not DealerAuthorisation.objects.filter(supplier=supplier_a, dealer=dealer_b).exists()


def test_the_authorisation_page_says_why_the_second_dealer_is_refused(
    shenzhen, supplier_a, dealer_b, signed_in
):
    client = signed_in(supplier_a)
    response = client.post(
        "/publishing/dealers/",
        {"shown": [dealer_b.pk], "authorised": [dealer_b.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "cannot be authorised: located in a region exclusive to another dealer" in html
    assert not DealerAuthorisation.objects.filter(supplier=supplier_a, dealer=dealer_b).exists()


def test_an_authorisation_the_dealer_had_does_not_outrun_the_exclusive_region(
    supplier_a, dealer, dealer_b
):
    """Authorised first, then the region becomes exclusive to another dealer: refused while
    the authorisation exists; and a dealer that moves into the region loses the offers."""
    profile_set(dealer, province="广东省", city="深圳市")
    profile_set(dealer_b, province="广东省", city="深圳市")
    authorise(supplier=supplier_a, dealer=dealer_b)
    offer_build(supplier=supplier_a, name="Acme open")

    with pytest.raises(services.NetworkError) as refused:
        services.exclusive_region_create(
            actor=None, supplier=supplier_a, province="广东省", city="深圳市", dealer_id=dealer.pk
        )
    assert "Omega Channel" in str(refused.value) and "Revoke" in str(refused.value)

    DealerAuthorisation.objects.filter(supplier=supplier_a, dealer=dealer_b).delete()
    services.exclusive_region_create(
        actor=None, supplier=supplier_a, province="广东省", city="深圳市", dealer_id=dealer.pk
    )
    authorise(supplier=supplier_a, dealer=dealer_b)  # behind the service's back
    assert _visible(dealer_b) == set()


def test_a_region_is_exclusive_to_one_dealer_only(supplier_a, dealer, dealer_b, shenzhen):
    with pytest.raises(services.NetworkError) as same:
        services.exclusive_region_create(
            actor=None, supplier=supplier_a, province="广东省", city="", dealer_id=dealer_b.pk
        )
    with pytest.raises(services.NetworkError) as inside:
        services.exclusive_region_create(
            actor=None, supplier=supplier_a, province="广东省", city="广州市", dealer_id=dealer_b.pk
        )
    assert "already exclusive to Delta Trading" in str(same.value)
    assert "already exclusive to Delta Trading" in str(inside.value)
    # The same request twice has its effect once.
    again = services.exclusive_region_create(
        actor=None, supplier=supplier_a, province="广东省", city="", dealer_id=dealer.pk
    )
    assert again.pk == shenzhen.pk


def test_the_database_refuses_a_second_holder_of_the_same_region(supplier_a, dealer, dealer_b):
    from django.db import IntegrityError, transaction

    from network.models import ExclusiveRegion

    ExclusiveRegion.objects.create(supplier=supplier_a, province="广东省", dealer=dealer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExclusiveRegion.objects.create(supplier=supplier_a, province="广东省", dealer=dealer_b)


# --- the storefront's cache follows the rules --------------------------------------------------------


def _search(client, q: str):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    return response


def test_a_dealer_moved_to_a_narrower_level_loses_the_category_on_the_next_page(
    dealer, goods, phones_only, host_client
):
    listing_build(dealer, goods["fridge"])
    client = host_client(dealer)
    assert "Fridge F1" in _search(client, "F1").content.decode()
    assert _search(client, "F1")["X-Storefront-Cache"] == "hit"

    profile_set(dealer, level=phones_only)

    page = _search(client, "F1")
    assert page["X-Storefront-Cache"] == "miss"
    assert "Fridge F1" not in page.content.decode()


def test_a_suspended_supplier_leaves_the_storefront_on_the_next_page(
    dealer, supplier_a, goods, host_client
):
    from tenants.models import Tenant, TenantStatus

    listing_build(dealer, goods["phone"])
    client = host_client(dealer)
    assert "Phone P1" in _search(client, "P1").content.decode()
    assert _search(client, "P1")["X-Storefront-Cache"] == "hit"

    Tenant.objects.filter(pk=supplier_a.pk).update(status=TenantStatus.SUSPENDED)

    assert "Phone P1" not in _search(client, "P1").content.decode()


def test_the_visibility_stamp_moves_whoever_writes(supplier_a, dealer):
    """Moved by the database: by the ORM, and by a plain UPDATE that no Django code sees."""
    from django.db import connection

    from network.models import AuthorisationRule, VisibilityStamp

    def stamp() -> int:
        return VisibilityStamp.objects.get().version

    before = stamp()
    profile_set(dealer, province="广东省", city="深圳市")
    assert stamp() > before
    rule = AuthorisationRule.objects.create(supplier=supplier_a, mode=AuthorisationMode.ALL)
    moved = stamp()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE network_authorisationrule SET mode = %s WHERE id = %s",
            [AuthorisationMode.REGIONS, rule.pk],
        )
    assert stamp() == moved + 1
