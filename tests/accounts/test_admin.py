"""The platform administration (public schema): email sign-in, users and a read-only audit log."""

import pytest
from django.db import connection

from accounts.models import AuditLog, Role, User
from accounts.services import audit_record
from tests.accounts.helpers import PASSWORD, member_make
from tests.builders import platform_admin

ADMIN_PASSWORD = "platform-admin-pass-1"  # tests.builders.platform_admin


def _admin_login(client, email, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        **extra,
    )


def test_platform_staff_sign_in_to_the_admin_with_their_email(platform_client):
    admin_user = platform_admin()
    response = _admin_login(platform_client, admin_user.email, ADMIN_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = platform_client.get("/admin/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "/admin/accounts/user/" in page
    assert "/admin/accounts/auditlog/" in page
    connection.set_schema_to_public()
    assert AuditLog.objects.filter(action="auth.login", actor=admin_user).exists()


def test_tenant_users_cannot_sign_in_to_the_admin(supplier_a, platform_client):
    member_make(supplier_a, email="boss@acme.test", role=Role.OWNER, password=PASSWORD)
    response = _admin_login(platform_client, "boss@acme.test", PASSWORD)
    assert response.status_code == 200
    assert platform_client.get("/admin/").status_code == 302


def test_admin_sign_in_is_throttled_too(platform_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    admin_user = platform_admin()
    for _ in range(2):
        _admin_login(platform_client, admin_user.email, "wrong")
    response = _admin_login(platform_client, admin_user.email, ADMIN_PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_admin_creates_a_platform_user_by_email(platform_client):
    platform_client.force_login(platform_admin())
    response = platform_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Reviewer2@Platform.test",
            "usable_password": "true",
            "password1": "a long platform passphrase",
            "password2": "a long platform passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    connection.set_schema_to_public()
    assert User.objects.filter(email="reviewer2@platform.test").exists()


def test_audit_log_is_read_only_in_the_admin(platform_client):
    admin_user = platform_admin()
    record = audit_record(actor=admin_user, action="test.readonly")
    platform_client.force_login(admin_user)
    listing = platform_client.get("/admin/accounts/auditlog/")
    assert listing.status_code == 200
    assert "test.readonly" in listing.content.decode()
    assert platform_client.get("/admin/accounts/auditlog/add/").status_code == 403
    url = f"/admin/accounts/auditlog/{record.pk}/change/"
    assert platform_client.get(url).status_code == 200  # viewable
    platform_client.post(url, {"action": "tampered"})
    assert platform_client.post(f"/admin/accounts/auditlog/{record.pk}/delete/").status_code == 403
    connection.set_schema_to_public()
    assert AuditLog.objects.get(pk=record.pk).action == "test.readonly"


@pytest.fixture(autouse=True)
def _public(db):
    connection.set_schema_to_public()
