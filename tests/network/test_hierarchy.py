"""The hierarchy: an upper dealer sees its sub-dealers (all levels down), their orders and their
earnings, read-only; a sub-dealer never sees its parent's or a sibling's data (404); the admin
refuses an upper dealer that would make a cycle, is not a dealer or may not recruit."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from catalog.models import Category
from network.models import DealerProfile
from settlement.engine import settlement_run
from tests.network.conftest import profile_set
from tests.settlement.builders import line_make

pytestmark = pytest.mark.usefixtures("categories")

DAY = dt.date(2031, 3, 10)


@pytest.fixture
def network(dealer, dealer_b, shell_dealer, levels):
    """delta (provincial) → omega (city) → "Grandchild"; delta → "Sibling" (omega's sibling)."""
    profile_set(dealer, level=levels["provincial"], province="广东省")
    profile_set(dealer_b, level=levels["city"], parent=dealer, province="广东省", city="深圳市")
    sibling = shell_dealer("Sibling Store", parent=dealer, level=levels["city"])
    grandchild = shell_dealer("Grandchild Shop", parent=dealer_b, level=levels["terminal"])
    return {"delta": dealer, "omega": dealer_b, "sibling": sibling, "grandchild": grandchild}


def _order(dealer, supplier, total="1000.00"):
    leaf = Category.objects.filter(level=3).order_by("pk").first()
    return line_make(
        dealer=dealer,
        supplier=supplier,
        category_id=leaf.pk,
        line_total=total,
        supply_total="800.00",
        settleable=DAY,
    ).route


def test_the_upper_dealer_sees_its_whole_subtree(network, signed_in):
    html = signed_in(network["delta"], Role.STAFF).get("/backoffice/network/").content.decode()
    for name in ("Omega Channel", "Sibling Store", "Grandchild Shop"):
        assert name in html
    # Grandchild is listed under omega.
    assert html.index("Omega Channel") < html.index("Grandchild Shop")


def test_a_sub_dealer_sees_only_what_is_below_it(network, signed_in):
    html = signed_in(network["omega"], Role.STAFF).get("/backoffice/network/").content.decode()
    assert "Grandchild Shop" in html
    assert "Sibling Store" not in html
    assert "Delta Trading" not in html


def test_the_upper_dealer_sees_sub_dealer_orders_down_the_tree(
    network, supplier_a, signed_in, django_assert_max_num_queries
):
    omega_route = _order(network["omega"], supplier_a, "1234.00")
    grand_route = _order(network["grandchild"], supplier_a)
    delta_route = _order(network["delta"], supplier_a)
    for _n in range(5):
        _order(network["omega"], supplier_a)  # more rows, no more queries
    client = signed_in(network["delta"], Role.STAFF)

    with django_assert_max_num_queries(14):
        omega_page = client.get(f"/backoffice/network/{network['omega'].pk}/orders/")
    grand_page = client.get(f"/backoffice/network/{network['grandchild'].pk}/orders/")

    assert omega_page.status_code == 200
    html = omega_page.content.decode()
    assert omega_route.dealer_order_number in html
    assert "¥1,234.00" in html
    assert delta_route.dealer_order_number not in html
    assert grand_route.dealer_order_number not in html
    assert grand_route.dealer_order_number in grand_page.content.decode()


def test_the_upper_dealer_sees_sub_dealer_earnings(network, supplier_a, signed_in):
    _order(network["omega"], supplier_a, "1000.00")
    settlement_run(kind="daily", period_start=DAY)

    page = signed_in(network["delta"], Role.STAFF).get(
        f"/backoffice/network/{network['omega'].pk}/earnings/"
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "Earnings of Omega Channel" in html
    assert "¥1,000.00" in html  # settled sales to date
    assert "2031-03-10" in html  # the statement's period


@pytest.mark.parametrize("page", ["orders", "earnings"])
def test_a_sub_dealer_gets_404_for_its_parent_and_its_sibling(network, supplier_a, page, signed_in):
    parent_route = _order(network["delta"], supplier_a)
    sibling_route = _order(network["sibling"], supplier_a)
    client = signed_in(network["omega"], Role.OWNER)

    for target in ("delta", "sibling", "omega"):
        response = client.get(f"/backoffice/network/{network[target].pk}/{page}/")
        assert response.status_code == 404, target
        assert parent_route.dealer_order_number not in response.content.decode()
        assert sibling_route.dealer_order_number not in response.content.decode()


def test_another_network_gets_404(network, supplier_a, signed_in, shell_dealer):
    outsider = shell_dealer("Outsider")
    response = signed_in(network["delta"]).get(f"/backoffice/network/{outsider.pk}/orders/")
    assert response.status_code == 404


def test_the_pages_are_read_only(network, signed_in):
    client = signed_in(network["delta"], Role.OWNER)
    for page in ("orders", "earnings"):
        response = client.post(f"/backoffice/network/{network['omega'].pk}/{page}/", {})
        assert response.status_code == 405
    # Outside the subtree, a POST is a 404 like a GET.
    outside = signed_in(network["omega"], Role.OWNER).post(
        f"/backoffice/network/{network['delta'].pk}/orders/", {}
    )
    assert outside.status_code == 404


# --- the admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db, platform_client):
    from tests.builders import platform_admin

    platform_client.force_login(platform_admin())
    return platform_client


def _admin_save(admin_client, profile: DealerProfile, parent: DealerProfile | None, level=None):
    return admin_client.post(
        f"/admin/network/dealerprofile/{profile.pk}/change/",
        {
            "level": (level or profile.level).pk if (level or profile.level) else "",
            "province": profile.province,
            "city": profile.city,
            "parent": parent.pk if parent else "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_admin_refuses_a_cycle(network, admin_client):
    delta = DealerProfile.objects.get(dealer=network["delta"])
    grandchild = DealerProfile.objects.get(dealer=network["grandchild"])
    omega = DealerProfile.objects.get(dealer=network["omega"])  # city level: may recruit

    response = _admin_save(admin_client, delta, omega)

    assert response.status_code == 200
    assert "is below this dealer: that would make a cycle" in response.content.decode()
    delta.refresh_from_db()
    assert delta.parent_id is None
    # Its own parent, too.
    response = _admin_save(admin_client, delta, delta)
    assert "cannot be its own upper dealer" in response.content.decode()
    assert grandchild.parent_id == omega.pk


def test_the_admin_refuses_a_parent_whose_level_may_not_recruit(network, admin_client):
    sibling = DealerProfile.objects.get(dealer=network["sibling"])
    grandchild = DealerProfile.objects.get(dealer=network["grandchild"])  # terminal level

    response = _admin_save(admin_client, sibling, grandchild)

    assert response.status_code == 200
    assert "may not recruit sub-dealers" in response.content.decode()
    sibling.refresh_from_db()
    assert sibling.parent.dealer_id == network["delta"].pk


def test_the_admin_moves_a_dealer_under_one_that_may_recruit(network, admin_client):
    grandchild = DealerProfile.objects.get(dealer=network["grandchild"])
    sibling = DealerProfile.objects.get(dealer=network["sibling"])

    response = _admin_save(admin_client, grandchild, sibling)

    assert response.status_code == 302
    grandchild.refresh_from_db()
    assert grandchild.parent_id == sibling.pk


def test_the_admin_offers_only_dealers_for_a_new_profile(admin_client, supplier_a):
    response = admin_client.get("/admin/network/dealerprofile/add/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Acme Electronics" not in response.content.decode()
