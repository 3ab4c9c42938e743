"""In-app notifications: writes and reads, always of the active schema.

A notification belongs to one user of this tenant (the ``accounts`` app is in every schema, so
supplier and dealer features alike can notify their people). Features call
``notification_send``; the notifications page (accounts.views_notifications) reads and marks.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import MANAGER_ROLES, Notification, User

TITLE_MAX = 200
LINK_MAX = 500


def link_is_safe(link: str) -> bool:
    """Only a path on the same domain: no scheme, no other host, no ``javascript:``."""
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


def _clean(*, title: str, body: str, link: str) -> tuple[str, str, str]:
    if link and not link_is_safe(link):
        raise ValueError(f"notification links are paths on this domain, not {link!r}")
    title = title.strip()
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title, body.strip(), link[:LINK_MAX]


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
) -> list[Notification]:
    """One notification per recipient (inactive users are skipped). Runs in the caller's
    transaction, so the notification commits or rolls back with what it is about."""
    title, body, link = _clean(title=title, body=body, link=link)
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=user.pk,
            kind=kind,
            title=title,
            body=body,
            link=link,
            created_at=now,
        )
        for user in {user.pk: user for user in recipients if user.is_active}.values()
    ]
    return Notification.objects.bulk_create(rows)


def notification_send_managers(*, kind: str, title: str, body: str = "", link: str = "") -> int:
    """One notification for each active owner and manager of the active schema, written with
    one ``INSERT … SELECT`` (no user rows are read into Python); returns how many. Same
    transaction rule as ``notification_send``."""
    title, body, link = _clean(title=title, body=body, link=link)
    notifications, users = Notification._meta.db_table, User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO "{notifications}" (recipient_id, kind, title, body, link, created_at)
            SELECT u.id, %s, %s, %s, %s, %s FROM "{users}" u
            WHERE u.is_active AND u.role = ANY(%s)
            """,
            [kind, title, body, link, timezone.now(), list(MANAGER_ROLES)],
        )
        return cursor.rowcount


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None when it is not theirs (or gone)."""
    notification = (
        Notification.objects.select_for_update().filter(recipient=user, pk=notification_id).first()
    )
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
