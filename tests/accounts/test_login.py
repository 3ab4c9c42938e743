"""Sign-in, sign-out, password hashing and the failed-login throttle on a tenant domain."""

import time

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, User
from tests.accounts.helpers import PASSWORD, login_post, member_make


@pytest.fixture
def clerk(supplier_a):
    return member_make(supplier_a, email="clerk@acme.test", password=PASSWORD, full_name="Clerk")


def _audit_actions(tenant, email):
    with tenant_context(tenant):
        return list(
            AuditLog.objects.filter(actor_label=email)
            .order_by("created_at", "id")
            .values_list("action", flat=True)
        )


def test_password_is_stored_as_an_argon2_hash(supplier_a, clerk):
    with tenant_context(supplier_a):
        stored = User.objects.get(email="clerk@acme.test").password
    assert stored.startswith("argon2")
    assert PASSWORD not in stored


def test_member_signs_in_with_email_and_password_and_reaches_the_dashboard(
    supplier_a, clerk, host_client
):
    client = host_client(supplier_a)
    response = login_post(client, "Clerk@ACME.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user.email == "clerk@acme.test"
    assert _audit_actions(supplier_a, "clerk@acme.test") == ["auth.login"]


def test_wrong_password_is_refused_with_a_message(supplier_a, clerk, host_client):
    client = host_client(supplier_a)
    response = login_post(client, "clerk@acme.test", "not the password")
    assert response.status_code == 200
    assert "The email address or the password is not right." in response.content.decode()
    assert client.get("/").status_code == 302  # still signed out


def test_deactivated_member_cannot_sign_in(supplier_a, host_client):
    member_make(supplier_a, email="gone@acme.test", password=PASSWORD, is_active=False)
    response = login_post(host_client(supplier_a), "gone@acme.test", PASSWORD)
    assert response.status_code == 200
    assert "The email address or the password is not right." in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(supplier_a, clerk, host_client):
    client = host_client(supplier_a)
    login_post(client, "clerk@acme.test", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_page_keeps_a_safe_next_and_ignores_a_foreign_one(supplier_a, clerk, host_client):
    client = host_client(supplier_a)
    response = client.post(
        "/accounts/login/?next=/accounts/profile/",
        {"username": "clerk@acme.test", "password": PASSWORD, "next": "/accounts/profile/"},
    )
    assert response["Location"] == "/accounts/profile/"
    client = host_client(supplier_a)
    response = client.post(
        "/accounts/login/",
        {"username": "clerk@acme.test", "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == "/"


# --- Throttle ----------------------------------------------------------------------------------


def _fail(client, times, email="clerk@acme.test", **extra):
    for _ in range(times):
        response = login_post(client, email, "wrong password", **extra)
        assert response.status_code == 200


def test_after_the_limit_even_the_right_password_is_refused_with_a_wait_message(
    supplier_a, clerk, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 300
    client = host_client(supplier_a)
    _fail(client, 3)
    response = login_post(client, "clerk@acme.test", PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Too many failed sign-in attempts. Please wait 5 minutes and try again." in page
    assert client.get("/").status_code == 302  # not signed in

    actions = _audit_actions(supplier_a, "clerk@acme.test")
    assert actions == ["auth.login_locked", "auth.login_refused"]
    with tenant_context(supplier_a):
        locked = AuditLog.objects.get(action="auth.login_locked")
    assert locked.data["address"] == "127.0.0.1"
    assert "pair" in locked.data["locked"]
    assert locked.target_id == str(clerk.pk)


def test_a_different_address_can_still_sign_in_while_the_attacker_is_locked(
    supplier_a, clerk, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    attacker = host_client(supplier_a)
    _fail(attacker, 3, REMOTE_ADDR="203.0.113.9")
    locked = login_post(attacker, "clerk@acme.test", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert "Too many failed sign-in attempts" in locked.content.decode()

    real_user = host_client(supplier_a)
    response = login_post(real_user, "clerk@acme.test", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert real_user.get("/").status_code == 200


def test_forwarded_for_header_is_ignored_unless_a_proxy_is_trusted(
    supplier_a, clerk, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = host_client(supplier_a)
    # Rotating a spoofed X-Forwarded-For does not escape the lock of the real address...
    _fail(client, 1, HTTP_X_FORWARDED_FOR="10.0.0.1")
    _fail(client, 1, HTTP_X_FORWARDED_FOR="10.0.0.2")
    response = login_post(client, "clerk@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.3")
    assert "Too many failed sign-in attempts" in response.content.decode()

    # ...while behind one trusted proxy, the address that proxy saw is the client's.
    settings.TRUSTED_PROXY_COUNT = 1
    response = login_post(
        client, "clerk@acme.test", PASSWORD, HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.20"
    )
    assert response.status_code == 302
    with tenant_context(supplier_a):
        assert AuditLog.objects.get(action="auth.login").data["address"] == "198.51.100.20"


def test_one_address_trying_many_accounts_is_locked(supplier_a, clerk, host_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 4
    sprayer = host_client(supplier_a)
    for n in range(4):
        _fail(sprayer, 1, email=f"guess{n}@acme.test", REMOTE_ADDR="203.0.113.50")
    response = login_post(sprayer, "clerk@acme.test", PASSWORD, REMOTE_ADDR="203.0.113.50")
    assert "Too many failed sign-in attempts" in response.content.decode()
    # The clerk at their own address is untouched.
    response = login_post(host_client(supplier_a), "clerk@acme.test", PASSWORD)
    assert response.status_code == 302


def test_account_attacked_from_many_addresses_is_locked_only_briefly(
    supplier_a, clerk, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 300
    client = host_client(supplier_a)
    for n in range(3):
        _fail(client, 1, REMOTE_ADDR=f"203.0.113.{100 + n}")
    response = login_post(client, "clerk@acme.test", PASSWORD, REMOTE_ADDR="198.51.100.30")
    # The account-wide lock lasts at most a minute, not the pair's five.
    assert "Please wait 1 minute and try again." in response.content.decode()


def test_login_works_again_once_the_lockout_expires(supplier_a, clerk, host_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_SECONDS = 1
    client = host_client(supplier_a)
    _fail(client, 2)
    response = login_post(client, "clerk@acme.test", PASSWORD)
    assert "Please wait 1 minute" in response.content.decode()
    time.sleep(1.2)
    response = login_post(client, "clerk@acme.test", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_success_clears_the_failures_of_that_account_at_that_address(
    supplier_a, clerk, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = host_client(supplier_a)
    _fail(client, 2)
    assert login_post(client, "clerk@acme.test", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    _fail(client, 2)  # would be 4 without the reset: still not locked
    assert login_post(client, "clerk@acme.test", PASSWORD).status_code == 302


def test_failures_at_one_tenant_do_not_lock_the_same_email_at_another(
    supplier_a, supplier_b, clerk, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 2
    member_make(supplier_b, email="clerk@acme.test", password=PASSWORD)
    _fail(host_client(supplier_a), 2)
    response = login_post(host_client(supplier_b), "clerk@acme.test", PASSWORD)
    assert response.status_code == 302


def test_unknown_email_is_counted_too_and_locked_without_revealing_anything(
    supplier_a, host_client, settings
):
    settings.LOGIN_FAILURE_LIMIT = 2
    client = host_client(supplier_a)
    _fail(client, 2, email="nobody@acme.test")
    response = login_post(client, "nobody@acme.test", "whatever")
    assert "Too many failed sign-in attempts" in response.content.decode()
    with tenant_context(supplier_a):
        record = AuditLog.objects.get(action="auth.login_locked")
    assert record.actor is None
    assert record.actor_label == "nobody@acme.test"


def test_dealer_staff_land_in_the_backoffice_not_on_the_storefront(dealer, host_client):
    member_make(dealer, email="seller@delta.test", password=PASSWORD)
    response = login_post(host_client(dealer), "seller@delta.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/"
