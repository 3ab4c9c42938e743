"""Reads of the accounts app, always of the active schema (the tenant of the request)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from accounts.models import MANAGER_ROLES, TEAM_ROLES, AuditLog, Role, User


def member_list(*, query: str = "") -> QuerySet[User]:
    """Every member of this tenant's team (buyers are customers, not members): active first,
    owners before managers before staff."""
    members = User.objects.filter(role__in=TEAM_ROLES)
    if query:
        members = members.filter(
            Q(email__icontains=query) | Q(full_name__icontains=query) | Q(phone__icontains=query)
        )
    rank = {Role.OWNER: 0, Role.MANAGER: 1, Role.STAFF: 2}
    return members.order_by(
        "-is_active",
        Case(
            *[When(role=role, then=Value(order)) for role, order in rank.items()],
            default=Value(9),
            output_field=IntegerField(),
        ),
        "email",
    )


def manager_list() -> list[User]:
    """The active owners and managers of the active schema."""
    return list(User.objects.filter(is_active=True, role__in=MANAGER_ROLES))


def member_get(*, pk: int) -> User:
    """A member of this tenant's team, or 404: a member of another tenant does not exist here
    (nor is a buyer a member)."""
    return get_object_or_404(User, pk=pk, role__in=TEAM_ROLES)


def audit_list(*, query: str = "") -> QuerySet[AuditLog]:
    """This tenant's audit log, newest first; ``query`` matches the action or the actor."""
    records = AuditLog.objects.all()
    if query:
        records = records.filter(Q(action__icontains=query) | Q(actor_label__icontains=query))
    return records.order_by("-created_at", "-id")
