"""The team section of a tenant backoffice: who may see, invite, change and deactivate."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django_tenants.utils import tenant_context

from accounts import services
from accounts.models import AuditLog, Role, User
from tests.accounts.helpers import login_post, member_make, signed_in

PASSWORD = "an invited member's passphrase"


@pytest.fixture
def acme_team(supplier_a):
    """An owner, a manager and a staff member at acme."""
    return {
        role: member_make(
            supplier_a, email=f"team-{role}@acme.test", role=role, full_name=role.title()
        )
        for role in (Role.OWNER, Role.MANAGER, Role.STAFF)
    }


def _as(role, acme_team, supplier_a, host_client):
    return signed_in(host_client(supplier_a), supplier_a, acme_team[role])


def _user(tenant, email):
    with tenant_context(tenant):
        return User.objects.get(email=email)


def _audit(tenant, action):
    with tenant_context(tenant):
        return list(AuditLog.objects.filter(action=action))


# --- Who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/team/",
        "/accounts/team/invite/",
        "/accounts/audit/",
    ],
)
def test_staff_cannot_open_team_or_audit_pages(path, supplier_a, acme_team, host_client):
    client = _as(Role.STAFF, acme_team, supplier_a, host_client)
    assert client.get(path).status_code == 403


def test_staff_cannot_change_or_deactivate_members(supplier_a, acme_team, host_client):
    client = _as(Role.STAFF, acme_team, supplier_a, host_client)
    manager = acme_team[Role.MANAGER]
    assert client.post(f"/accounts/team/{manager.pk}/update/", {"role": "staff"}).status_code == 403
    assert client.post(f"/accounts/team/{manager.pk}/deactivate/").status_code == 403
    assert _user(supplier_a, "team-manager@acme.test").role == Role.MANAGER


def test_anonymous_visitors_are_sent_to_this_domains_sign_in(supplier_a, host_client):
    response = host_client(supplier_a).get("/accounts/team/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/accounts/team/")


def test_manager_lists_the_team_and_sees_no_owner_actions(supplier_a, acme_team, host_client):
    response = _as(Role.MANAGER, acme_team, supplier_a, host_client).get("/accounts/team/")
    assert response.status_code == 200
    page = response.content.decode()
    for email in ("team-owner@acme.test", "team-manager@acme.test", "team-staff@acme.test"):
        assert email in page
    assert "/update/" not in page and "/deactivate/" not in page


def test_team_list_search(supplier_a, acme_team, host_client):
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    page = client.get("/accounts/team/", {"q": "manag"}).content.decode()
    assert "team-manager@acme.test" in page
    assert "team-staff@acme.test" not in page


def test_team_list_query_count_does_not_grow_with_the_team(
    supplier_a, acme_team, host_client, django_assert_max_num_queries
):
    for n in range(30):
        member_make(supplier_a, email=f"member{n:02d}@acme.test")
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    # 5 queries (domain, session, user, count, page), each preceded by SET search_path.
    with django_assert_max_num_queries(10):
        response = client.get("/accounts/team/")
    assert response.status_code == 200
    assert "member29@acme.test" in response.content.decode()


# --- Invite ----------------------------------------------------------------------------------


def test_manager_invites_staff_who_sets_a_password_through_a_one_time_link(
    supplier_a, acme_team, host_client, django_capture_on_commit_callbacks
):
    client = _as(Role.MANAGER, acme_team, supplier_a, host_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/team/invite/",
            {"email": "New.Hire@acme.test", "full_name": "New Hire", "role": "staff"},
        )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/team/"

    member = _user(supplier_a, "new.hire@acme.test")
    assert member.role == Role.STAFF and member.is_active
    assert not member.has_usable_password()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.hire@acme.test"]
    assert supplier_a.name in message.subject
    link = re.search(r"http://acme\.localhost(/accounts/password-reset/\S+/\S+/)", message.body)
    assert link, message.body

    newcomer = host_client(supplier_a)
    form_url = newcomer.get(link.group(1), follow=True).redirect_chain[-1][0]
    newcomer.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert login_post(host_client(supplier_a), "new.hire@acme.test", PASSWORD).status_code == 302
    # One time only.
    assert host_client(supplier_a).get(link.group(1), follow=True).context["validlink"] is False

    [record] = _audit(supplier_a, "member.invite")
    assert record.actor_label == "team-manager@acme.test"
    assert record.data == {"email": "new.hire@acme.test", "role": "staff"}


def test_manager_cannot_invite_a_manager_or_an_owner(supplier_a, acme_team, host_client):
    client = _as(Role.MANAGER, acme_team, supplier_a, host_client)
    page = client.get("/accounts/team/invite/").content.decode()
    assert 'value="staff"' in page and 'value="manager"' not in page
    for role in ("manager", "owner"):
        response = client.post(
            "/accounts/team/invite/", {"email": f"{role}2@acme.test", "role": role}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["role"]
    with tenant_context(supplier_a):
        assert not User.objects.filter(email__in=["manager2@acme.test", "owner2@acme.test"])
    # The service refuses as well, whoever calls it.
    with tenant_context(supplier_a), pytest.raises(PermissionDenied):
        services.member_invite(
            actor=acme_team[Role.MANAGER],
            email="sneaky@acme.test",
            role=Role.MANAGER,
            base_url="http://acme.localhost",
            organisation="Acme",
        )


def test_owner_may_invite_a_manager(supplier_a, acme_team, host_client):
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    response = client.post("/accounts/team/invite/", {"email": "m2@acme.test", "role": "manager"})
    assert response.status_code == 302
    assert _user(supplier_a, "m2@acme.test").role == Role.MANAGER


def test_inviting_an_existing_member_says_so(supplier_a, acme_team, host_client):
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    response = client.post(
        "/accounts/team/invite/", {"email": "TEAM-STAFF@acme.test", "role": "staff"}
    )
    assert response.status_code == 200
    assert "team-staff@acme.test is already a member of this team." in response.content.decode()


def test_inviting_a_buyers_address_at_a_dealer_says_whose_it_is(dealer):
    from tests.builders import buyer_make

    buyer_make(dealer, email="purchaser@buyer.test")
    with tenant_context(dealer):
        owner = member_make(dealer, email="boss@delta.test", role=Role.OWNER)
        with pytest.raises(services.MemberRuleError, match="belongs to a buyer account"):
            services.member_invite(
                actor=owner,
                email="purchaser@buyer.test",
                role=Role.STAFF,
                base_url="http://delta.localhost",
                organisation="Delta",
            )


def test_the_same_email_may_belong_to_members_of_two_tenants(
    supplier_a, supplier_b, acme_team, host_client
):
    owner_b = member_make(supplier_b, email="boss@beta.test", role=Role.OWNER)
    client = signed_in(host_client(supplier_b), supplier_b, owner_b)
    response = client.post(
        "/accounts/team/invite/", {"email": "team-staff@acme.test", "role": "staff"}
    )
    assert response.status_code == 302
    with tenant_context(supplier_b):
        assert User.objects.filter(email="team-staff@acme.test").exists()


# --- Change role -----------------------------------------------------------------------------


def test_owner_changes_a_role_and_it_is_audited(supplier_a, acme_team, host_client):
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    staff = acme_team[Role.STAFF]
    assert client.get(f"/accounts/team/{staff.pk}/update/").status_code == 200
    response = client.post(f"/accounts/team/{staff.pk}/update/", {"role": "manager"})
    assert response.status_code == 302
    assert _user(supplier_a, "team-staff@acme.test").role == Role.MANAGER
    [record] = _audit(supplier_a, "member.role_change")
    assert record.actor_label == "team-owner@acme.test"
    assert record.target_id == str(staff.pk)
    assert record.data == {"email": "team-staff@acme.test", "from": "staff", "to": "manager"}


def test_manager_cannot_change_roles(supplier_a, acme_team, host_client):
    client = _as(Role.MANAGER, acme_team, supplier_a, host_client)
    staff = acme_team[Role.STAFF]
    assert client.get(f"/accounts/team/{staff.pk}/update/").status_code == 403
    assert client.post(f"/accounts/team/{staff.pk}/update/", {"role": "manager"}).status_code == 403
    assert _user(supplier_a, "team-staff@acme.test").role == Role.STAFF


def test_the_last_owner_cannot_step_down(supplier_a, acme_team, host_client):
    owner = acme_team[Role.OWNER]
    # The provisioned owner of acme has no password and is an owner too: deactivate them, so
    # that owner@acme.test is the only active owner.
    with tenant_context(supplier_a):
        User.objects.filter(role=Role.OWNER).exclude(pk=owner.pk).update(is_active=False)
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    response = client.post(f"/accounts/team/{owner.pk}/update/", {"role": "manager"})
    assert response.status_code == 200
    assert "is the last owner" in response.content.decode()
    assert _user(supplier_a, "team-owner@acme.test").role == Role.OWNER
    assert _audit(supplier_a, "member.role_change") == []


def test_an_owner_can_step_down_when_another_owner_remains(supplier_a, acme_team, host_client):
    owner = acme_team[Role.OWNER]
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    client.post(f"/accounts/team/{acme_team[Role.MANAGER].pk}/update/", {"role": "owner"})
    response = client.post(f"/accounts/team/{owner.pk}/update/", {"role": "manager"})
    assert response.status_code == 302
    assert _user(supplier_a, "team-owner@acme.test").role == Role.MANAGER
    # No longer an owner: the team pages that need one now say no.
    assert client.get("/accounts/audit/").status_code == 403


# --- Deactivate ------------------------------------------------------------------------------


def test_owner_deactivates_a_member_who_is_then_signed_out(supplier_a, acme_team, host_client):
    staff_client = _as(Role.STAFF, acme_team, supplier_a, host_client)
    assert staff_client.get("/").status_code == 200
    owner_client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    staff = acme_team[Role.STAFF]
    assert owner_client.get(f"/accounts/team/{staff.pk}/deactivate/").status_code == 200
    response = owner_client.post(f"/accounts/team/{staff.pk}/deactivate/")
    assert response.status_code == 302
    assert not _user(supplier_a, "team-staff@acme.test").is_active
    assert staff_client.get("/").status_code == 302  # session no longer authenticates
    [record] = _audit(supplier_a, "member.deactivate")
    assert record.actor_label == "team-owner@acme.test"

    # ... and can be reactivated.
    owner_client.post(f"/accounts/team/{staff.pk}/reactivate/")
    assert _user(supplier_a, "team-staff@acme.test").is_active
    assert len(_audit(supplier_a, "member.reactivate")) == 1


def test_the_last_owner_cannot_be_deactivated(supplier_a, acme_team, host_client):
    owner = acme_team[Role.OWNER]
    with tenant_context(supplier_a):
        User.objects.filter(role=Role.OWNER).exclude(pk=owner.pk).update(is_active=False)
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    response = client.post(f"/accounts/team/{owner.pk}/deactivate/", follow=True)
    assert "is the last owner and cannot be deactivated." in response.content.decode()
    assert _user(supplier_a, "team-owner@acme.test").is_active


def test_an_owner_cannot_deactivate_themselves(supplier_a, acme_team, host_client):
    owner = acme_team[Role.OWNER]  # acme's provisioned owner is still active: not the last
    client = _as(Role.OWNER, acme_team, supplier_a, host_client)
    response = client.post(f"/accounts/team/{owner.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself." in response.content.decode()
    assert _user(supplier_a, "team-owner@acme.test").is_active


def test_an_owner_demoted_meanwhile_cannot_deactivate(supplier_a, acme_team):
    """The service re-reads the actor under the lock: a stale owner instance is not enough."""
    owner = acme_team[Role.OWNER]
    with tenant_context(supplier_a):
        User.objects.filter(pk=owner.pk).update(role=Role.STAFF)
        with pytest.raises(PermissionDenied):
            services.member_deactivate(actor=owner, member_id=acme_team[Role.STAFF].pk)
        assert User.objects.get(pk=acme_team[Role.STAFF].pk).is_active
