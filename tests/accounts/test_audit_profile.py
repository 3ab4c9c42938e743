"""The audit log page (owners) and the profile page (everyone signed in)."""

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role, User
from accounts.services import audit_record
from tests.accounts.helpers import PASSWORD, login_post, member_make, signed_in


@pytest.fixture
def owner(supplier_a):
    return member_make(supplier_a, email="team-owner@acme.test", role=Role.OWNER)


def test_owner_sees_the_audit_log_newest_first_and_paginated(
    supplier_a, owner, host_client, django_assert_max_num_queries
):
    with tenant_context(supplier_a):
        for n in range(60):
            audit_record(actor=owner, action=f"test.step{n:02d}", data={"n": n})
    client = signed_in(host_client(supplier_a), supplier_a, owner)
    # domain, session, user, count, page: each after a SET search_path.
    with django_assert_max_num_queries(10):
        response = client.get("/accounts/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "test.step59" in page and "test.step10" in page
    assert "test.step09" not in page  # on page 2
    assert page.index("test.step59") < page.index("test.step58")

    second = client.get("/accounts/audit/", {"page": 2}).content.decode()
    assert "test.step09" in second and "test.step59" not in second


def test_audit_log_search(supplier_a, owner, host_client):
    with tenant_context(supplier_a):
        audit_record(actor=owner, action="member.invite", data={"email": "x@acme.test"})
        audit_record(actor=None, action="tenant.provisioned")
    client = signed_in(host_client(supplier_a), supplier_a, owner)
    page = client.get("/accounts/audit/", {"q": "member"}).content.decode()
    assert "member.invite" in page
    assert "Member invited" in page  # known actions are described in words
    assert "tenant.provisioned" not in page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF])
def test_only_owners_see_the_audit_log(role, supplier_a, host_client):
    user = member_make(supplier_a, email=f"{role}-x@acme.test", role=role)
    client = signed_in(host_client(supplier_a), supplier_a, user)
    assert client.get("/accounts/audit/").status_code == 403


def test_team_and_audit_pages_do_not_exist_on_the_platform_domain(db, platform_client):
    for path in ("/accounts/team/", "/accounts/audit/", "/accounts/profile/"):
        assert platform_client.get(path).status_code == 404


def test_member_edits_name_and_phone_and_it_is_audited(supplier_a, host_client):
    clerk = member_make(supplier_a, email="clerk@acme.test")
    client = signed_in(host_client(supplier_a), supplier_a, clerk)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    assert "clerk@acme.test" in page.content.decode()
    response = client.post(
        "/accounts/profile/", {"full_name": "  Li Lei 李雷 ", "phone": "13900001111"}
    )
    assert response.status_code == 302
    with tenant_context(supplier_a):
        clerk = User.objects.get(email="clerk@acme.test")
        record = AuditLog.objects.get(action="profile.update")
    assert (clerk.full_name, clerk.phone) == ("Li Lei 李雷", "13900001111")
    assert record.data["phone"] == {"from": "", "to": "13900001111"}
    assert "Li Lei 李雷" in client.get("/accounts/profile/").content.decode()


def test_member_changes_password_and_stays_signed_in(supplier_a, host_client):
    member_make(supplier_a, email="clerk@acme.test", password=PASSWORD)
    client = host_client(supplier_a)
    login_post(client, "clerk@acme.test", PASSWORD)
    new = "another long passphrase 7"

    wrong = client.post(
        "/accounts/profile/password/",
        {"old_password": "not it", "new_password1": new, "new_password2": new},
    )
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["old_password"]

    response = client.post(
        "/accounts/profile/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200  # session kept
    assert login_post(host_client(supplier_a), "clerk@acme.test", new).status_code == 302
    with tenant_context(supplier_a):
        assert AuditLog.objects.filter(action="auth.password_change").count() == 1


def test_dealer_backoffice_pages_use_the_dealer_layout(dealer, host_client):
    boss = member_make(dealer, email="boss@delta.test", role=Role.OWNER)
    client = signed_in(host_client(dealer), dealer, boss)
    for path in ("/accounts/team/", "/accounts/audit/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "layouts/dealer.html" in [t.name for t in response.templates]
