"""The dealer's backoffice pages of its buyer companies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from buyers.models import Buyer, BuyerCompany
from tests.accounts.helpers import member_make, signed_in
from tests.builders import buyer_make

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")


@pytest.fixture
def manager_client(dealer, host_client):
    manager = member_make(dealer, email="manager@delta.test", role=Role.MANAGER)
    return signed_in(host_client(dealer), dealer, manager)


def _company(dealer, user) -> BuyerCompany:
    with tenant_context(dealer):
        return Buyer.objects.select_related("company").get(user=user).company


def test_company_list_searches_and_shows_verification_and_users(
    dealer, manager_client, django_assert_max_num_queries
):
    for n in range(5):
        buyer_make(dealer, email=f"list{n}@buyer.test", company_name=f"Listed Co {n}")
    pending = buyer_make(dealer, email="pending@buyer.test", company_name="Pending Co")
    with tenant_context(dealer):
        Buyer.objects.filter(user=pending).update(email_verified_at=None)

    with django_assert_max_num_queries(10):
        page = manager_client.get("/backoffice/buyers/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Listed Co 4" in html and "Pending Co" in html

    found = manager_client.get("/backoffice/buyers/?q=pending@buyer").content.decode()
    assert "Pending Co" in found and "Listed Co" not in found
    unverified = manager_client.get("/backoffice/buyers/?verified=no").content.decode()
    assert "Pending Co" in unverified and "Listed Co" not in unverified


def test_company_detail_shows_users_and_addresses(dealer, manager_client):
    user = buyer_make(
        dealer, email="detail@buyer.test", phone="13955556666", company_name="Detail Co"
    )
    company = _company(dealer, user)
    page = manager_client.get(f"/backoffice/buyers/{company.pk}/").content.decode()
    assert "detail@buyer.test" in page and "13955556666" in page
    assert "世纪大道 100 号" in page
    assert manager_client.get("/backoffice/buyers/999999/").status_code == 404


def test_manager_grants_pay_on_account_with_audit(dealer, manager_client):
    company = _company(
        dealer, buyer_make(dealer, email="terms@buyer.test", company_name="Terms Co")
    )
    url = f"/backoffice/buyers/{company.pk}/terms/"
    response = manager_client.post(
        url, {"on_account": "on", "credit_limit": "50000.5", "payment_terms_days": "45"}
    )
    assert response.status_code == 302
    with tenant_context(dealer):
        company.refresh_from_db()
        assert company.on_account
        assert company.credit_limit == Decimal("50000.50")
        assert company.payment_terms_days == 45
        record = AuditLog.objects.get(action="buyer.terms_update", target_id=str(company.pk))
        assert record.actor_label == "manager@delta.test"
        assert record.data["on_account"] == {"from": "False", "to": "True"}
    # the same POST again changes nothing and writes no second record
    manager_client.post(
        url, {"on_account": "on", "credit_limit": "50000.50", "payment_terms_days": "45"}
    )
    with tenant_context(dealer):
        assert AuditLog.objects.filter(action="buyer.terms_update").count() == 1
    # revoke
    manager_client.post(url, {"credit_limit": "0", "payment_terms_days": "30"})
    with tenant_context(dealer):
        company.refresh_from_db()
        assert not company.on_account


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"credit_limit": "-1", "payment_terms_days": "30"}, "greater than or equal to 0"),
        ({"credit_limit": "abc", "payment_terms_days": "30"}, "Enter a number."),
        ({"credit_limit": "1.234", "payment_terms_days": "30"}, "no more than 2 decimal places"),
        ({"credit_limit": "10", "payment_terms_days": "-5"}, "greater than or equal to 0"),
        ({"credit_limit": "10", "payment_terms_days": ""}, "This field is required."),
    ],
)
def test_terms_form_refuses_bad_input_and_changes_nothing(dealer, manager_client, post, message):
    company = _company(dealer, buyer_make(dealer, email="bad@buyer.test", company_name="Bad Co"))
    response = manager_client.post(
        f"/backoffice/buyers/{company.pk}/terms/", {"on_account": "on", **post}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(dealer):
        company.refresh_from_db()
        assert not company.on_account and company.credit_limit == 0


def test_staff_see_companies_but_cannot_change_terms(dealer, host_client):
    staff = member_make(dealer, email="staff@delta.test", role=Role.STAFF)
    client = signed_in(host_client(dealer), dealer, staff)
    company = _company(dealer, buyer_make(dealer, email="s@buyer.test", company_name="Staff Co"))
    assert client.get("/backoffice/buyers/").status_code == 200
    detail = client.get(f"/backoffice/buyers/{company.pk}/").content.decode()
    assert "Change payment terms" not in detail
    url = f"/backoffice/buyers/{company.pk}/terms/"
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url, {"on_account": "on", "credit_limit": "1", "payment_terms_days": "1"}
        ).status_code
        == 403
    )
    with tenant_context(dealer):
        company.refresh_from_db()
        assert not company.on_account
