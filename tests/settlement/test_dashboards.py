"""The dealer's earnings and the supplier's payables: dashboard figures, statement list and
detail with its drill-down, and their query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from accounts.models import Role
from routing.models import RouteLine
from settlement import services
from tests.accounts.helpers import english
from tests.builders import platform_admin
from tests.settlement.statement_helpers import DAY, backoffice_client, run_make, statement_of

pytestmark = pytest.mark.usefixtures("english")
_ = english


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def two_days(dealer, supplier_a):
    """Day 1: margin 350 (supplier owed 1,120); day 2: margin 45.50 (supplier owed 50 − 1.91 fee = 48.09)."""
    first = run_make(
        dealer=dealer, supplier=supplier_a, lines=[("1000.00", "800.00"), ("500.00", "350.00")]
    )
    second = run_make(
        dealer=dealer,
        supplier=supplier_a,
        lines=[("95.50", "50.00")],
        day=DAY + dt.timedelta(days=1),
    )
    return first, second


def test_the_dealer_dashboard_shows_earnings_to_date_the_balance_and_the_periods(
    two_days, dealer, host_client
):
    first, _second = two_days
    statement = statement_of(first, dealer)
    services.statement_confirm(statement_id=statement.pk, tenant=dealer, actor=None)
    services.statement_pay(statement_id=statement.pk, actor=platform_admin(), reference="T-1")
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)

    response = client.get("/backoffice/earnings/")

    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "net") == "¥395.50"  # 350 + 45.50
    assert figure(html, "paid") == "¥350.00"
    assert figure(html, "balance") == "¥45.50"  # the ledger: what is still owed
    assert figure(html, "margin") == "¥395.50"
    assert figure(html, "sales") == "¥1,595.50"
    assert figure(html, "rebates") == "¥0.00"
    # Two bars, the taller for the first day; no CDN, no script.
    heights = re.findall(r'class="settlement-bar" style="height: (\d+)%"', html)
    assert heights == ["100", "13"]
    assert "<script" not in html.split('id="settlement-chart"')[1]


def test_the_dealer_dashboard_shows_the_buyers_its_referral_link_brought(
    two_days, dealer, dealer_b, host_client
):
    from settlement.models import BuyerSignup

    for company in (101, 102):
        BuyerSignup.objects.create(
            dealer_id=dealer.pk, buyer_company_id=company, referrer_id=dealer.pk
        )
    BuyerSignup.objects.create(dealer_id=dealer.pk, buyer_company_id=103)  # no link
    BuyerSignup.objects.create(dealer_id=dealer_b.pk, buyer_company_id=1, referrer_id=dealer_b.pk)
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)
    html = client.get("/backoffice/earnings/").content.decode()
    assert figure(html, "referred") == "2"


def test_the_supplier_dashboard_shows_its_payables(two_days, supplier_a, host_client):
    client, _user = backoffice_client(host_client, supplier_a, role=Role.STAFF)

    html = client.get("/settlement/").content.decode()

    assert figure(html, "net") == "¥1,168.09"  # 1,120 + 48.09
    assert figure(html, "balance") == "¥1,168.09"
    assert figure(html, "fees") == "¥31.91"  # 2 % of 1,500 + 2 % of 95.50 (1.91)
    assert figure(html, "supply") == "¥1,200.00"
    assert 'data-figure="margin"' not in html  # the dealer's margin is not the supplier's


def test_another_dealer_sees_none_of_it(two_days, dealer_b, host_client):
    client, _user = backoffice_client(host_client, dealer_b, role=Role.OWNER)
    html = client.get("/backoffice/earnings/").content.decode()
    assert figure(html, "net") == "¥0.00"
    assert figure(html, "balance") == "¥0.00"
    listing = client.get("/backoffice/earnings/statements/").content.decode()
    assert "395.50" not in listing and "350.00" not in listing


def test_the_list_shows_each_statement_with_a_pinned_query_count(
    two_days, dealer, host_client, django_assert_max_num_queries
):
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)
    with django_assert_max_num_queries(12) as few:
        response = client.get("/backoffice/earnings/statements/")
    list_queries = len(few.captured_queries)
    html = response.content.decode()
    assert "2031-03-10" in html and "2031-03-11" in html
    assert "¥350.00" in html and "¥45.50" in html
    # More statements do not make more queries.
    for n in range(2, 6):
        run_make(
            dealer=dealer,
            supplier=_acme(),
            lines=[("10.00", "5.00")],
            day=DAY + dt.timedelta(days=n),
        )
    connection.set_schema_to_public()
    with django_assert_max_num_queries(list_queries):
        assert client.get("/backoffice/earnings/statements/").status_code == 200


def _acme():
    from tenants.models import Tenant

    return Tenant.objects.get(slug="acme")


def test_the_detail_drills_down_to_every_line_page_by_page(
    dealer, supplier_a, host_client, django_assert_max_num_queries
):
    run = run_make(
        dealer=dealer, supplier=supplier_a, lines=[("20.00", "10.00", 3) for _n in range(60)]
    )
    statement = statement_of(run, dealer)
    numbers = list(
        RouteLine.objects.order_by("pk").values_list("route__dealer_order_number", flat=True)
    )
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)
    url = f"/backoffice/earnings/statements/{statement.pk}/"

    # (each query is preceded by its SET search_path: 10 queries)
    with django_assert_max_num_queries(20) as few:
        first = client.get(url).content.decode()
    detail_queries = len(few.captured_queries)
    second = client.get(url + "?page=2").content.decode()

    assert numbers[0] in first and numbers[49] in first and numbers[50] not in first
    assert numbers[50] in second and numbers[59] in second and numbers[0] not in second
    assert "Page 1 of 2" in first
    assert figure(first, "net") == "¥600.00"
    # A statement with a handful of lines costs as many queries as one with sixty.
    small = statement_of(
        run_make(
            dealer=dealer,
            supplier=supplier_a,
            lines=[("20.00", "10.00")],
            day=DAY + dt.timedelta(days=1),
        ),
        dealer,
    )
    connection.set_schema_to_public()
    with django_assert_max_num_queries(detail_queries):
        client.get(f"/backoffice/earnings/statements/{small.pk}/")
