"""Registering a buyer account on a dealer's storefront and verifying it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Role, User
from buyers import services
from buyers.models import Buyer, BuyerCompany, BuyerRole, VerificationCode
from buyers.selectors import buyer_can_order, buyer_order_refusal
from tests.buyers.helpers import code_from, link_from_last_mail, register_data

pytestmark = pytest.mark.usefixtures("fresh_cache", "english")


def _register(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/account/register/", register_data(**overrides))


def test_register_by_email_then_verify(dealer, host_client, django_capture_on_commit_callbacks):
    client = host_client(dealer)
    page = client.get("/account/register/")
    assert page.status_code == 200
    assert "Register as a buyer" in page.content.decode()

    response = _register(client, django_capture_on_commit_callbacks, email="Buyer@Huadong.test")
    assert response.status_code == 302
    assert response["Location"] == "/account/"

    with tenant_context(dealer):
        buyer = Buyer.objects.select_related("user", "company").get(
            user__email="buyer@huadong.test"
        )
        assert buyer.user.role == Role.BUYER
        assert buyer.role == BuyerRole.ADMIN
        assert buyer.company.name == "Huadong Parts 华东配件"
        assert buyer.company.tax_number == "91310000MA1FL0XX1K"
        assert buyer.email_verified_at is None
        assert not buyer_can_order(buyer.user)
        assert "verify your email" in buyer_order_refusal(buyer.user)

    # Signed in at once, told to verify; may browse but not order.
    profile = client.get("/account/")
    assert profile.status_code == 200
    assert "Please verify your email address before placing an order." in profile.content.decode()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buyer@huadong.test"]
    link = link_from_last_mail()
    assert urlsplit(link).hostname == dealer.host.split(":")[0]

    verified = host_client(dealer).get(urlsplit(link).path)  # works without signing in
    assert verified.status_code == 200
    assert "buyer@huadong.test is verified" in verified.content.decode()
    with tenant_context(dealer):
        buyer.refresh_from_db()
        assert buyer.email_verified_at is not None
        assert buyer_can_order(User.objects.get(pk=buyer.user_id))

    again = client.get(urlsplit(link).path)  # a second click changes nothing
    assert again.status_code == 200


def test_register_by_mobile_then_verify(
    dealer, host_client, django_capture_on_commit_callbacks, capsys
):
    client = host_client(dealer)
    response = _register(client, django_capture_on_commit_callbacks, phone="+86 139 1000 2000")
    assert response.status_code == 302
    assert response["Location"] == "/account/verify/mobile/"
    assert mail.outbox == []

    code = code_from(capsys.readouterr().out)
    with tenant_context(dealer):
        user = User.objects.get(phone="13910002000")
        assert user.email is None
        row = VerificationCode.objects.get(user=user)
        assert code not in row.code_hash  # stored hashed
        assert row.expires_at - row.created_at == timedelta(minutes=10)

    page = client.get("/account/verify/mobile/")
    assert "13910002000" in page.content.decode()
    done = client.post("/account/verify/mobile/", {"code": code})
    assert done.status_code == 302
    with tenant_context(dealer):
        buyer = Buyer.objects.get(user=user)
        assert buyer.mobile_verified_at is not None
        assert buyer_can_order(user)


def test_console_sms_backend_logs_the_message(dealer, caplog, capsys):
    from buyers.sms import sms_send

    with caplog.at_level("INFO", logger="buyers.sms"):
        sms_send(phone="13900000000", message="hello 123456")
    assert "hello 123456" in caplog.text
    assert "SMS to 13900000000: hello 123456" in capsys.readouterr().out


def test_wrong_codes_count_attempts_and_a_code_expires(
    dealer, host_client, django_capture_on_commit_callbacks, capsys
):
    client = host_client(dealer)
    _register(client, django_capture_on_commit_callbacks, phone="13910002001")
    code = code_from(capsys.readouterr().out)
    wrong = "000000" if code != "000000" else "111111"

    first = client.post("/account/verify/mobile/", {"code": wrong})
    assert first.status_code == 200
    assert "The code is not right. Attempts left: 4." in first.content.decode()
    for _ in range(4):
        response = client.post("/account/verify/mobile/", {"code": wrong})
    assert "Too many wrong codes. Ask for a new code." in response.content.decode()
    # Even the right code no longer works after five wrong ones.
    response = client.post("/account/verify/mobile/", {"code": code})
    assert "Too many wrong codes" in response.content.decode()
    with tenant_context(dealer):
        user = User.objects.get(phone="13910002001")
        assert VerificationCode.objects.get(user=user).attempts == 5
        assert Buyer.objects.get(user=user).mobile_verified_at is None

    # A new code works; an expired one does not.
    with tenant_context(dealer):
        buyer = Buyer.objects.select_related("user").get(user=user)
        with django_capture_on_commit_callbacks(execute=True):
            services.verification_resend(buyer=buyer, channel="mobile", base_url="http://x")
    fresh = code_from(capsys.readouterr().out)
    with tenant_context(dealer):
        VerificationCode.objects.filter(user=user, used_at__isnull=True).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    expired = client.post("/account/verify/mobile/", {"code": fresh})
    assert "This code has expired. Ask for a new code." in expired.content.decode()
    with tenant_context(dealer):
        assert Buyer.objects.get(user=user).mobile_verified_at is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "email",
            "taken@huadong.test",
            "An account with this email address already exists. Sign in, or reset your password.",
        ),
        ("phone", "13910002002", "An account with this mobile number already exists."),
    ],
)
def test_duplicate_email_or_mobile_is_refused_and_nothing_is_written(
    dealer, host_client, django_capture_on_commit_callbacks, field, value, message
):
    from tests.builders import buyer_make

    buyer_make(dealer, email="taken@huadong.test", phone="13910002002", company_name="First Co")
    with tenant_context(dealer):
        companies, users = BuyerCompany.objects.count(), User.objects.count()
    mail.outbox.clear()

    response = _register(
        host_client(dealer),
        django_capture_on_commit_callbacks,
        company_name="Second Co",
        **{field: value.upper() if field == "email" else value},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with tenant_context(dealer):
        assert BuyerCompany.objects.count() == companies
        assert User.objects.count() == users
        assert not BuyerCompany.objects.filter(name="Second Co").exists()
    assert mail.outbox == []


def test_duplicate_caught_by_the_database_gives_the_same_message(dealer, monkeypatch):
    """Two registrations at once: the second one's pre-check passes, the unique index refuses."""
    from tests.builders import buyer_make

    buyer_make(dealer, email="race@huadong.test", company_name="First Co")
    monkeypatch.setattr(
        services, "_duplicate_errors", _first_call_clean(services._duplicate_errors)
    )
    with tenant_context(dealer):
        companies = BuyerCompany.objects.count()
        with pytest.raises(ValidationError) as caught:
            services.buyer_register(
                company_name="Second Co",
                tax_number="",
                email="race@huadong.test",
                phone="",
                password="Blue-Harbour-1927",
                full_name="",
                base_url="http://x",
            )
        assert "already exists" in str(caught.value.message_dict["email"])
        assert BuyerCompany.objects.count() == companies


def _first_call_clean(real):
    calls = []

    def wrapped(**kwargs):
        calls.append(kwargs)
        return {} if len(calls) == 1 else real(**kwargs)

    return wrapped


def test_registration_needs_email_or_mobile_and_a_good_password(
    dealer, host_client, django_capture_on_commit_callbacks
):
    client = host_client(dealer)
    response = _register(client, django_capture_on_commit_callbacks)
    assert "Enter an email address or a mobile number." in response.content.decode()
    response = _register(
        client,
        django_capture_on_commit_callbacks,
        email="weak@huadong.test",
        password="12345678",
        password_confirm="12345678",
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    response = _register(client, django_capture_on_commit_callbacks, phone="12345")
    assert "Enter a valid mainland China mobile number" in response.content.decode()
    with tenant_context(dealer):
        assert not User.objects.filter(email="weak@huadong.test").exists()
        assert not BuyerCompany.objects.filter(name="Huadong Parts 华东配件").exists()


def test_email_link_of_one_dealer_does_nothing_at_another(
    dealer, dealer_b, host_client, django_capture_on_commit_callbacks
):
    _register(host_client(dealer), django_capture_on_commit_callbacks, email="two@huadong.test")
    path = urlsplit(link_from_last_mail()).path
    # A buyer with the same email and, possibly, the same id at omega stays unverified.
    _register(host_client(dealer_b), django_capture_on_commit_callbacks, email="two@huadong.test")
    response = host_client(dealer_b).get(path)
    assert response.status_code == 400
    assert "This verification link is not valid." in response.content.decode()
    with tenant_context(dealer_b):
        assert Buyer.objects.get(user__email="two@huadong.test").email_verified_at is None


def test_expired_or_tampered_link_is_refused(dealer, host_client, monkeypatch):
    from tests.builders import buyer_make

    user = buyer_make(dealer, email="late@huadong.test")
    with tenant_context(dealer):
        Buyer.objects.filter(user=user).update(email_verified_at=None)
        token = services.email_verification_token(user=user)
    client = host_client(dealer)
    assert client.get(f"/account/verify/email/{token}x/").status_code == 400
    monkeypatch.setattr(services, "EMAIL_TOKEN_MAX_AGE", -1)
    response = client.get(f"/account/verify/email/{token}/")
    assert response.status_code == 400
    assert "This verification link has expired" in response.content.decode()
    with tenant_context(dealer):
        assert Buyer.objects.get(user=user).email_verified_at is None


def test_resend_is_limited_to_one_per_minute(
    dealer, host_client, django_capture_on_commit_callbacks
):
    client = host_client(dealer)
    _register(client, django_capture_on_commit_callbacks, email="again@huadong.test")
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/account/verify/resend/", {"channel": "email"}, follow=True)
    assert "We have sent you a new verification link." in first.content.decode()
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/account/verify/resend/", {"channel": "email"}, follow=True)
    assert "Please wait" in second.content.decode()
    assert len(mail.outbox) == 2
    assert client.get("/account/verify/resend/").status_code == 405
