"""A supplier's network pages: the authorisation rule form and its exclusive regions, with
clear errors; staff see them, managers change them."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from network.models import AuthorisationMode, AuthorisationRule, ExclusiveRegion, RuleRegion
from network.selectors import dealer_profile_of
from tests.network.conftest import profile_set


def test_the_rule_form_saves_regions_and_shows_them_again(supplier_a, signed_in):
    client = signed_in(supplier_a)
    saved = client.post("/network/", {"mode": "regions", "regions": "广东省\n浙江省 杭州市\n\n"})
    page = client.get("/network/")

    assert saved.status_code == 302
    rule = AuthorisationRule.objects.get(supplier=supplier_a)
    assert rule.mode == AuthorisationMode.REGIONS
    assert set(RuleRegion.objects.filter(rule=rule).values_list("province", "city")) == {
        ("广东省", ""),
        ("浙江省", "杭州市"),
    }
    assert "浙江省 杭州市" in page.content.decode()
    with tenant_context(supplier_a):
        assert AuditLog.objects.filter(action="network.rule_changed").count() == 1


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"mode": "levels"}, "Choose at least one dealer level."),
        ({"mode": "regions", "regions": ""}, "Enter at least one region"),
        ({"mode": "regions", "regions": "广东省 深圳市 南山区"}, "Line 1: write a province"),
        ({"mode": "nonsense"}, "Select a valid choice"),
    ],
)
def test_the_rule_form_says_what_is_wrong_and_changes_nothing(supplier_a, signed_in, post, message):
    response = signed_in(supplier_a).post("/network/", post)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuthorisationRule.objects.filter(supplier=supplier_a).exists()


def test_staff_see_the_rule_but_cannot_change_it(supplier_a, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    assert client.get("/network/").status_code == 200
    assert client.post("/network/", {"mode": "one_by_one"}).status_code == 403
    assert client.get("/network/exclusive-regions/create/").status_code == 403
    assert not AuthorisationRule.objects.filter(supplier=supplier_a).exists()


def test_an_exclusive_region_is_added_listed_and_removed(supplier_a, dealer, signed_in):
    profile_set(dealer, province="广东省", city="深圳市")
    client = signed_in(supplier_a)

    added = client.post(
        "/network/exclusive-regions/create/",
        {"province": " 广东省 ", "city": "深圳市", "dealer": dealer.pk},
    )
    twice = client.post(
        "/network/exclusive-regions/create/",
        {"province": "广东省", "city": "深圳市", "dealer": dealer.pk},
    )
    listing = client.get("/network/exclusive-regions/").content.decode()

    assert added.status_code == 302 and twice.status_code == 302
    region = ExclusiveRegion.objects.get(supplier=supplier_a)
    assert (region.province, region.city, region.dealer_id) == ("广东省", "深圳市", dealer.pk)
    assert "Delta Trading" in listing and "深圳市" in listing

    removed = client.post(f"/network/exclusive-regions/{region.pk}/delete/")
    assert removed.status_code == 302
    assert not ExclusiveRegion.objects.filter(supplier=supplier_a).exists()


def test_a_second_dealer_for_the_same_region_is_refused_with_a_clear_message(
    supplier_a, dealer, dealer_b, signed_in
):
    ExclusiveRegion.objects.create(supplier=supplier_a, province="广东省", dealer=dealer)
    response = signed_in(supplier_a).post(
        "/network/exclusive-regions/create/",
        {"province": "广东省", "city": "广州市", "dealer": dealer_b.pk},
    )
    assert response.status_code == 400
    assert "overlaps 广东省, which is already exclusive to Delta Trading" in (
        response.content.decode()
    )
    assert ExclusiveRegion.objects.filter(supplier=supplier_a).count() == 1


def test_exclusive_regions_are_per_supplier(supplier_a, supplier_b, dealer, dealer_b, signed_in):
    """A write at acme creates acme's region only; beta may make the same region exclusive."""
    signed_in(supplier_a).post(
        "/network/exclusive-regions/create/", {"province": "广东省", "dealer": dealer.pk}
    )
    response = signed_in(supplier_b).post(
        "/network/exclusive-regions/create/", {"province": "广东省", "dealer": dealer_b.pk}
    )
    assert response.status_code == 302
    assert dict(ExclusiveRegion.objects.values_list("supplier_id", "dealer_id")) == {
        supplier_a.pk: dealer.pk,
        supplier_b.pk: dealer_b.pk,
    }


def test_dealer_profile_of_creates_one_profile_with_a_referral_code(dealer):
    first = dealer_profile_of(dealer)
    again = dealer_profile_of(dealer.pk)
    assert first.pk == again.pk
    assert len(first.referral_code) == 8
