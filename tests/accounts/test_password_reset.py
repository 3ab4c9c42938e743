"""Password reset per tenant domain: the link goes to the domain asked at, and works once.
The email is sent by Celery (run at once here), at most a few per address and client an hour."""

import re

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, User
from tests.accounts.helpers import PASSWORD, login_post, member_make

pytestmark = pytest.mark.usefixtures("celery_eager")

LINK = re.compile(r"(https?://[^/\s]+)(/accounts/password-reset/[^/\s]+/[^/\s]+/)")
NEW_PASSWORD = "a brand new passphrase 42"


def _reset_link(message) -> tuple[str, str]:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1), match.group(2)


def test_reset_at_a_tenant_domain_mails_a_link_to_that_domain_that_works_once(
    supplier_a, host_client
):
    member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    client = host_client(supplier_a)
    response = client.post("/accounts/password-reset/", {"email": "Clerk@acme.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clerk@acme.test"]
    assert supplier_a.name in message.subject
    origin, path = _reset_link(message)
    assert origin == "http://acme.localhost"

    # Following the link: Django swaps the token for a session-bound URL, then the form.
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password-reset/done/"

    # The new password works; the old one does not.
    fresh = host_client(supplier_a)
    assert login_post(fresh, "clerk@acme.test", PASSWORD).status_code == 200
    assert login_post(fresh, "clerk@acme.test", NEW_PASSWORD).status_code == 302

    # The same link a second time: refused.
    again = host_client(supplier_a).get(path, follow=True)
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()

    with tenant_context(supplier_a):
        assert AuditLog.objects.filter(
            action="auth.password_reset", actor_label="clerk@acme.test"
        ).exists()


def test_reset_asked_at_another_tenants_domain_sends_nothing_and_reveals_nothing(
    supplier_a, supplier_b, host_client
):
    member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    at_beta = host_client(supplier_b).post(
        "/accounts/password-reset/", {"email": "clerk@acme.test"}
    )
    unknown = host_client(supplier_b).post(
        "/accounts/password-reset/", {"email": "nobody@nowhere.test"}
    )
    assert mail.outbox == []
    # Same answer as for an address that exists (the form does not say which is which).
    assert at_beta.status_code == unknown.status_code == 302
    assert at_beta["Location"] == unknown["Location"] == "/accounts/password-reset/sent/"


def test_the_reset_email_of_a_dealer_goes_to_the_dealers_domain(dealer, host_client):
    member_make(dealer, email="buyer-admin@delta.test", password=PASSWORD)
    host_client(dealer).post("/accounts/password-reset/", {"email": "buyer-admin@delta.test"})
    origin, _path = _reset_link(mail.outbox[0])
    assert origin == "http://delta.localhost"


def test_a_member_who_never_set_a_password_can_ask_for_a_new_link(supplier_a, host_client):
    member_make(supplier_a, email="invited@acme.test")  # unusable password, link expired
    host_client(supplier_a).post("/accounts/password-reset/", {"email": "invited@acme.test"})
    assert [m.to for m in mail.outbox] == [["invited@acme.test"]]


def test_a_deactivated_member_gets_no_reset_email(supplier_a, host_client):
    member_make(supplier_a, email="gone@acme.test", password=PASSWORD, is_active=False)
    host_client(supplier_a).post("/accounts/password-reset/", {"email": "gone@acme.test"})
    assert mail.outbox == []


def test_reset_link_of_one_tenant_is_invalid_at_another(supplier_a, supplier_b, host_client):
    """Covers accounts:password-reset-confirm in the isolation table (tests/test_isolation.py)."""
    clerk = member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    # beta's user with the same primary key, so the uid in the link resolves at beta too.
    with tenant_context(supplier_b):
        twin = User.objects.filter(pk=clerk.pk).first()
        if twin is None:
            twin = User(pk=clerk.pk, email="twin@beta.test")
            twin.set_unusable_password()
            twin.save()
    host_client(supplier_a).post("/accounts/password-reset/", {"email": "clerk@acme.test"})
    _origin, path = _reset_link(mail.outbox[0])

    at_beta = host_client(supplier_b).get(path, follow=True)
    assert at_beta.context["validlink"] is False
    # ... and the link still works at acme, where it was sent.
    assert host_client(supplier_a).get(path, follow=True).context["validlink"] is True


def test_weak_passwords_are_refused_on_the_set_password_form(supplier_a, host_client):
    member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    client = host_client(supplier_a)
    client.post("/accounts/password-reset/", {"email": "clerk@acme.test"})
    _origin, path = _reset_link(mail.outbox[0])
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def test_the_reset_email_is_sent_by_celery_not_in_the_request(supplier_a, host_client, settings):
    from platform_site.celery import app

    member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE  # this test run's own queue
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)  # what earlier tests left unconsumed
    app.conf.task_always_eager = False  # a real queue: the request only hands the email over
    try:
        sent = host_client(supplier_a).post(
            "/accounts/password-reset/", {"email": "clerk@acme.test"}
        )
        assert sent.status_code == 302
        assert mail.outbox == []  # not sent in the request; a worker sends it
        with app.connection_for_write() as connection:
            queued = connection.default_channel.queue_purge(queue)
        assert queued == 1  # the one email, waiting for a worker (taken off again here)
    finally:
        app.conf.task_always_eager = True


def test_a_mailbox_gets_at_most_three_reset_emails_an_hour(supplier_a, host_client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    member_make(supplier_a, email="other@acme.test", password=PASSWORD)
    client = host_client(supplier_a)
    answers = [
        client.post("/accounts/password-reset/", {"email": "clerk@acme.test"}) for _ in range(5)
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password-reset/sent/")
    }  # the same answer every time: the limit tells nothing
    assert [m.to for m in mail.outbox] == [["clerk@acme.test"]] * 3
    client.post("/accounts/password-reset/", {"email": "OTHER@acme.test"})
    assert mail.outbox[-1].to == ["other@acme.test"]  # another mailbox is not held back


def test_one_client_asking_for_many_addresses_is_stopped(supplier_a, host_client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 4
    for n in range(6):
        member_make(supplier_a, email=f"m{n}@acme.test", password=PASSWORD)
    client = host_client(supplier_a)
    for n in range(6):
        client.post("/accounts/password-reset/", {"email": f"m{n}@acme.test"})
    assert len(mail.outbox) == 4
