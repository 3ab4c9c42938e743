"""The referral page: link, poster, and the buyers attributed to this dealer."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Role
from network.referral import referral_link
from routing.models import RouteLine, RouteLineStatus
from settlement.models import BuyerSignup
from tests.accounts.helpers import member_make, signed_in
from tests.builders import buyer_make
from tests.referral.helpers import code_of, owner_client
from tests.settlement.builders import line_make

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")


def _stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert match, f"no {name} on the page"
    return match.group(1).strip()


def _signup(dealer_id, company_id, referrer_id, when):
    return BuyerSignup.objects.create(
        dealer_id=dealer_id,
        buyer_company_id=company_id,
        referrer_id=referrer_id,
        registered_at=when,
    )


def test_the_overview_shows_link_code_poster_and_counts(
    dealer, dealer_b, supplier_a, host_client, django_assert_max_num_queries
):
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0)
    last_month = month_start - dt.timedelta(days=3)
    _signup(dealer.pk, 9001, dealer.pk, now)
    _signup(dealer.pk, 9002, dealer.pk, now - dt.timedelta(seconds=5))
    _signup(dealer.pk, 9003, dealer.pk, last_month)
    _signup(dealer.pk, 9004, None, now)  # no code: not attributed
    _signup(dealer.pk, 9005, dealer_b.pk, now)  # a sub-dealer's code at delta's store
    _signup(dealer_b.pk, 9006, dealer_b.pk, now)  # omega's own: never counted at delta
    # Orders: two lines of one order and one of another by attributed buyers, one cancelled,
    # one of an unattributed buyer, one of omega's.
    lines = [
        (dealer, 9001, "100.00", RouteLineStatus.RECEIVED),
        (dealer, 9001, "50.50", RouteLineStatus.OPEN),
        (dealer, 9003, "20.00", RouteLineStatus.RECEIVED),
        (dealer, 9003, "999.00", RouteLineStatus.CANCELLED),
        (dealer, 9004, "777.00", RouteLineStatus.RECEIVED),
        (dealer_b, 9006, "555.00", RouteLineStatus.RECEIVED),
    ]
    for owner, company, amount, status in lines:
        line = line_make(
            dealer=owner,
            supplier=supplier_a,
            category_id=1,
            line_total=amount,
            supply_total="1.00",
            settleable=dt.date.today(),
            status=status,
        )
        RouteLine.objects.filter(pk=line.pk).update(buyer_company_id=company)
    first, second = RouteLine.objects.filter(buyer_company_id=9001).order_by("pk")
    RouteLine.objects.filter(pk=second.pk).update(route=first.route)

    client = owner_client(host_client, dealer)
    code_of(dealer)  # the profile exists (a first visit creates it)
    # Domain, session, user, profile, the sign-up counts, the orders; each after its SET
    # search_path.
    with django_assert_max_num_queries(12):
        page = client.get("/backoffice/referral/")
    assert page.status_code == 200
    html = page.content.decode()
    assert referral_link(dealer) in html
    assert code_of(dealer) in html
    assert code_of(dealer_b) not in html
    assert "/backoffice/referral/poster/?download=1" in html
    assert _stat(html, "signups-month") == "2"
    assert _stat(html, "signups-total") == "3"
    assert _stat(html, "sub-dealer-signups") == "1"
    assert _stat(html, "orders") == "2"
    assert _stat(html, "amount") == "¥170.50"
    assert _stat(html, "buyers-ordering") == "2"


def test_a_new_dealer_sees_zeroes(dealer_b, host_client):
    page = owner_client(host_client, dealer_b).get("/backoffice/referral/")
    assert page.status_code == 200
    html = page.content.decode()
    assert _stat(html, "signups-total") == "0"
    assert _stat(html, "amount") == "¥0.00"
    assert 'data-stat="sub-dealer-signups"' not in html


def test_a_registration_through_the_link_shows_in_the_counts(
    dealer, host_client, django_capture_on_commit_callbacks
):
    from tests.buyers.helpers import register_data

    with django_capture_on_commit_callbacks(execute=True):
        host_client(dealer).post(
            f"/account/register/?ref={code_of(dealer)}", register_data(email="new@buyer.test")
        )
    html = owner_client(host_client, dealer).get("/backoffice/referral/").content.decode()
    assert _stat(html, "signups-month") == "1"
    assert _stat(html, "signups-total") == "1"


def test_staff_may_open_it_buyers_and_visitors_may_not(dealer, host_client):
    staff = member_make(dealer, email="clerk@delta.test", role=Role.STAFF)
    assert (
        signed_in(host_client(dealer), dealer, staff).get("/backoffice/referral/").status_code
        == 200
    )
    buyer = buyer_make(dealer, email="shopper@delta.test")
    as_buyer = signed_in(host_client(dealer), dealer, buyer)
    assert as_buyer.get("/backoffice/referral/").status_code == 403
    assert as_buyer.get("/backoffice/referral/poster/").status_code == 403
    anonymous = host_client(dealer).get("/backoffice/referral/poster/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_not_served_on_a_supplier_domain(supplier_a, host_client):
    client = owner_client(host_client, supplier_a)
    assert client.get("/backoffice/referral/").status_code == 404
    assert client.get("/backoffice/referral/poster/").status_code == 404
