"""Buyers sign in at a dealer's /accounts/login/ with their email or mobile number."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from tests.accounts.helpers import PASSWORD, login_post, member_make
from tests.builders import buyer_make

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")


@pytest.fixture
def mobile_buyer(dealer):
    return buyer_make(dealer, phone="13911112222", password=PASSWORD, company_name="Mobile Co")


def test_buyer_signs_in_with_mobile_number_and_lands_on_the_storefront(
    dealer, mobile_buyer, host_client
):
    client = host_client(dealer)
    page = client.get("/accounts/login/")
    assert "Email or mobile number" in page.content.decode()
    assert "/account/register/" in page.content.decode()
    response = login_post(client, "139 1111 2222", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/account/").status_code == 200
    with tenant_context(dealer):
        assert AuditLog.objects.filter(action="auth.login", actor=mobile_buyer).exists()


def test_buyer_signs_in_with_email_and_follows_next(dealer, host_client):
    buyer_make(dealer, email="mail@buyer.test", password=PASSWORD)
    client = host_client(dealer)
    response = client.post(
        "/accounts/login/",
        {"username": "MAIL@buyer.test", "password": PASSWORD, "next": "/account/addresses/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/addresses/"


def test_wrong_password_for_a_mobile_number_is_refused(dealer, mobile_buyer, host_client):
    client = host_client(dealer)
    response = login_post(client, "13911112222", "not the password")
    assert response.status_code == 200
    assert "The email address or the password is not right." in response.content.decode()
    assert client.get("/account/").status_code == 302  # not signed in


def test_staff_cannot_sign_in_by_mobile_number(dealer, host_client):
    member_make(dealer, email="clerk@delta.test", password=PASSWORD, phone="13933334444")
    response = login_post(host_client(dealer), "13933334444", PASSWORD)
    assert response.status_code == 200


def test_failed_mobile_sign_ins_are_throttled_on_what_was_typed(
    dealer, mobile_buyer, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 300
    client = host_client(dealer)
    for _ in range(3):
        login_post(client, "13911112222", "wrong")
    response = login_post(client, "13911112222", PASSWORD)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get("/account/").status_code == 302
    with tenant_context(dealer):
        assert AuditLog.objects.filter(
            action="auth.login_locked", actor_label="13911112222"
        ).exists()


def test_buyer_of_delta_cannot_sign_in_at_omega(dealer, dealer_b, mobile_buyer, host_client):
    buyer_make(dealer, email="only@delta.test", password=PASSWORD)
    client = host_client(dealer_b)
    assert login_post(client, "only@delta.test", PASSWORD).status_code == 200
    assert login_post(client, "13911112222", PASSWORD).status_code == 200
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize("path", ["/backoffice/", "/backoffice/orders/", "/backoffice/buyers/"])
def test_buyer_is_refused_in_the_backoffice(dealer, mobile_buyer, host_client, path):
    client = host_client(dealer)
    login_post(client, "13911112222", PASSWORD)
    assert client.get("/account/").status_code == 200  # signed in
    assert client.get(path).status_code == 403


def test_staff_are_refused_on_buyer_pages(dealer, host_client):
    member_make(dealer, email="boss@delta.test", password=PASSWORD, role=Role.OWNER)
    client = host_client(dealer)
    response = login_post(client, "boss@delta.test", PASSWORD)
    assert response["Location"] == "/backoffice/"
    assert client.get("/account/").status_code == 403
    assert client.get("/account/addresses/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_with_next(dealer, host_client):
    response = host_client(dealer).get("/account/addresses/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/account/addresses/"
