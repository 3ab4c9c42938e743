"""The notifications page, on every tenant domain: own notifications only, mark read, badge."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Notification, Role
from accounts.notifications import notification_send


def _send(user, title, *, minutes_ago=0, link=""):
    (notification,) = notification_send(recipients=[user], kind="test", title=title, link=link)
    if minutes_ago:
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
    return notification


@pytest.mark.parametrize("tenant_fixture", ["supplier_a", "dealer"])
def test_a_user_sees_own_notifications_newest_first_with_unread_marked(
    request, tenant_fixture, signed_in, django_assert_max_num_queries
):
    tenant = request.getfixturevalue(tenant_fixture)
    client = signed_in(tenant, Role.STAFF)
    with tenant_context(tenant):
        from accounts.models import User

        colleague = User.objects.create_user(email="colleague@example.test", role=Role.OWNER)
        _send(client.user, "Older news", minutes_ago=30)
        newest = _send(client.user, "Newest news", minutes_ago=1)
        read = _send(client.user, "Already read", minutes_ago=10)
        Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
        _send(colleague, "For the owner only")
        for index in range(20):
            _send(client.user, f"Bulk {index}", minutes_ago=60 + index)

    # domain, session, user, count, page, unread count (+ SET search_path before each)
    with django_assert_max_num_queries(12):
        response = client.get("/accounts/notifications/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "For the owner only" not in page
    assert page.index("Newest news") < page.index("Already read") < page.index("Older news")
    assert response.context["unread_count"] == 22
    unread = [n.title for n in response.context["notifications"] if n.is_unread]
    assert "Newest news" in unread and "Already read" not in unread
    assert page.count("notification-unread") == len(unread)
    assert f'action="/accounts/notifications/{newest.pk}/read/"' in page


def test_marking_one_and_all_read(supplier_a, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        first = _send(client.user, "First", link="/warehouses/")
        second = _send(client.user, "Second")
    opened = client.post(f"/accounts/notifications/{first.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/warehouses/"
    with tenant_context(supplier_a):
        first.refresh_from_db()
        second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert ">1<" in client.get("/accounts/notifications/badge/").content.decode()

    response = client.post("/accounts/notifications/read-all/", follow=True)
    assert "1 notification(s) marked as read." in response.content.decode()
    with tenant_context(supplier_a):
        assert not Notification.objects.filter(recipient=client.user, read_at__isnull=True).exists()
    badge = client.get("/accounts/notifications/badge/").content.decode()
    assert "badge-unread" not in badge


def test_another_users_notification_cannot_be_marked(supplier_a, signed_in):
    mine = signed_in(supplier_a, Role.STAFF)
    theirs = signed_in(supplier_a, Role.OWNER)
    with tenant_context(supplier_a):
        notification = _send(theirs.user, "Owner's business")
    assert mine.post(f"/accounts/notifications/{notification.pk}/read/").status_code == 404
    mine.post("/accounts/notifications/read-all/")
    with tenant_context(supplier_a):
        notification.refresh_from_db()
    assert notification.read_at is None


def test_the_badge_shows_the_unread_count_and_the_layout_loads_it(
    supplier_a, signed_in, host_client
):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        for index in range(3):
            _send(client.user, f"News {index}")
    badge = client.get("/accounts/notifications/badge/")
    assert badge.status_code == 200 and '<span class="badge badge-unread"' in badge.content.decode()
    assert ">3<" in badge.content.decode()
    dashboard = client.get("/").content.decode()
    assert 'href="/accounts/notifications/"' in dashboard
    assert 'hx-get="/accounts/notifications/badge/"' in dashboard
    # Signed out, the fragment is empty (never the sign-in page inside the top bar).
    anonymous = host_client(supplier_a).get("/accounts/notifications/badge/")
    assert anonymous.status_code == 200 and "badge-unread" not in anonymous.content.decode()
    assert host_client(supplier_a).get("/accounts/notifications/").status_code == 302


def test_notifications_are_not_served_on_the_platform_domain(db, platform_client):
    assert platform_client.get("/accounts/notifications/").status_code == 404
    assert platform_client.get("/accounts/notifications/badge/").status_code == 404


def test_notification_links_stay_on_the_same_domain(supplier_a, acme_team):
    with tenant_context(supplier_a):
        for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
            with pytest.raises(ValueError):
                notification_send(
                    recipients=[acme_team[Role.OWNER]], kind="test", title="x", link=link
                )
        inactive = acme_team[Role.STAFF]
        inactive.is_active = False
        assert notification_send(recipients=[inactive], kind="test", title="x") == []
