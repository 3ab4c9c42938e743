"""Every write of the accounts app: the audit log, sign-in, passwords, the team, profiles.

All of it acts on the active schema: the users of a tenant live in the tenant's schema, so
nothing here ever takes or switches a tenant. Team rules:

* managers and owners see the team and invite members; a manager may only invite staff,
  an owner may invite any role;
* only an owner changes roles and deactivates or reactivates members;
* nobody deactivates themselves, and the last active owner can be neither demoted nor
  deactivated (owner rows are locked while this is checked, so two owners cannot remove each
  other at the same moment).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts import throttle
from accounts.models import AuditLog, Role, User


class MemberRuleError(Exception):
    """A team change that the rules forbid; the message is for the person who tried it."""


class LoginLockedError(Exception):
    """Too many failed sign-ins: wait ``seconds`` before trying again."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


# --- Audit log -----------------------------------------------------------------------------------


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    data: dict | None = None,
    actor_label: str | None = None,
) -> AuditLog:
    """Record a sensitive operation in the active schema's audit log.

    Call it inside the transaction of the action itself, so both commit or neither does.
    ``actor_label`` names an actor that is not a user of this schema (e.g. the email typed
    into a failed sign-in); it defaults to the actor's email, or "system".
    """
    if actor_label is None:
        actor_label = (actor.email or actor.phone) if actor is not None else "system"
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label[:254],
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


# --- Sign-in ---------------------------------------------------------------------------------------


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def login_authenticate(*, request: HttpRequest, email: str, password: str) -> User | None:
    """The user these credentials belong to, or None; raises ``LoginLockedError`` when locked.

    A locked account/address pair is refused before the password is even checked, so the
    right password does not get through a lock either. The failure that sets a lock, and the
    first attempt refused by it, are written to the audit log.
    """
    email = _normalise_email(email)
    address = throttle.client_address(request)
    seconds, scopes = throttle.lock_remaining(email=email, address=address)
    if seconds:
        if throttle.refusal_first(email=email, address=address, scopes=scopes, seconds=seconds):
            _login_audit(
                action="auth.login_refused",
                email=email,
                data={"address": address, "locked": scopes, "seconds_left": seconds},
            )
        raise LoginLockedError(seconds)

    user = authenticate(request, username=email, password=password)
    if user is not None:
        return user
    tripped = throttle.failure_register(email=email, address=address)
    if tripped:
        _login_audit(
            action="auth.login_locked",
            email=email,
            data={
                "address": address,
                "locked": [rule.scope for rule in tripped],
                "failures": max(rule.limit for rule in tripped),
                "lockout_seconds": max(rule.lockout for rule in tripped),
            },
        )
    return None


def _login_audit(*, action: str, email: str, data: dict) -> None:
    account = User.objects.filter(email=email).first()
    audit_record(
        actor=account,
        actor_label=email or "?",
        action=action,
        target=account,
        data={"email": email, **data},
    )


def login_succeeded(*, request: HttpRequest, user: User, login: str | None = None) -> None:
    """Forget this pair's failures and record the sign-in. ``login`` is what was typed (an
    email, or a buyer's mobile number); the failures were counted under it."""
    address = throttle.client_address(request)
    throttle.success_register(email=_normalise_email(login or user.login_name), address=address)
    audit_record(actor=user, action="auth.login", target=user, data={"address": address})


# --- Passwords --------------------------------------------------------------------------------


def password_set_url(*, user: User, base_url: str) -> str:
    """A one-time link at ``base_url`` (this tenant's domain) for ``user`` to choose a password.

    The token stops working as soon as the password changes.
    """
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


@transaction.atomic
def user_password_set(
    *, user: User, password: str, action: str, request: HttpRequest | None = None
) -> User:
    """Set a (validated) password and record it; ``action`` says how ("auth.password_reset")."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action=action, target=user)
    if request is not None:
        # Proving control of the mailbox (or knowing the old password) lifts the account's locks.
        throttle.account_release(email=user.email, address=throttle.client_address(request))
    return user


# --- Team ----------------------------------------------------------------------------------------


def roles_grantable(actor: User) -> list[str]:
    """The roles ``actor`` may give to a new member: owners any, managers only staff."""
    if actor.has_role(Role.OWNER):
        return [Role.STAFF, Role.MANAGER, Role.OWNER]
    if actor.has_role(Role.MANAGER):
        return [Role.STAFF]
    return []


@transaction.atomic
def member_invite(
    *,
    actor: User,
    email: str,
    role: str,
    full_name: str = "",
    base_url: str,
    organisation: str,
) -> User:
    """Add a member to this tenant's team and email them a one-time set-password link.

    ``base_url`` is the tenant domain the invitation was made at; the link points there.
    """
    if role not in roles_grantable(actor):
        raise PermissionDenied(_("You may not give the role “%(role)s”.") % {"role": role})
    email = _normalise_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if existing.role == Role.BUYER:
            raise MemberRuleError(
                _("%(email)s belongs to a buyer account of this store; use another address.")
                % {"email": email}
            )
        if existing.is_active:
            raise MemberRuleError(
                _("%(email)s is already a member of this team.") % {"email": email}
            )
        raise MemberRuleError(
            _("%(email)s is a deactivated member of this team: an owner can reactivate them.")
            % {"email": email}
        )
    try:
        with transaction.atomic():  # a savepoint: the same email invited twice at once
            member = User.objects.create_user(email=email, full_name=full_name.strip(), role=role)
    except IntegrityError:
        raise MemberRuleError(
            _("%(email)s is already a member of this team.") % {"email": email}
        ) from None
    audit_record(
        actor=actor, action="member.invite", target=member, data={"email": email, "role": role}
    )

    context = {
        "organisation": organisation,
        "inviter": actor.get_full_name(),
        "member": member,
        "role": member.get_role_display(),
        "link": password_set_url(user=member, base_url=base_url),
        "login_url": base_url.rstrip("/") + reverse("accounts:login"),
    }
    subject = "".join(
        render_to_string("accounts/email/member_invite_subject.txt", context).splitlines()
    )
    body = render_to_string("accounts/email/member_invite_body.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return member


def _team_locked(*, actor: User, member_id: int) -> tuple[User, User, list[int]]:
    """Lock the actor, the member and every active owner, in primary-key order.

    Returns the fresh actor and member rows and the ids of the active owners. The actor is
    checked again under the lock: an owner demoted a moment ago is no longer an owner.
    """
    rows = list(
        User.objects.select_for_update()
        .filter(Q(pk__in=[actor.pk, member_id]) | Q(role=Role.OWNER, is_active=True))
        .order_by("pk")
    )
    by_id = {row.pk: row for row in rows}
    fresh_actor = by_id.get(actor.pk)
    if fresh_actor is None or not fresh_actor.has_role(Role.OWNER):
        raise PermissionDenied(_("Only an owner may change the team."))
    member = by_id.get(member_id)
    if member is None:
        raise User.DoesNotExist
    owners = [row.pk for row in rows if row.role == Role.OWNER and row.is_active]
    return fresh_actor, member, owners


@transaction.atomic
def member_role_change(*, actor: User, member_id: int, role: str) -> User:
    if role not in Role.values:
        raise MemberRuleError(_("Unknown role."))
    actor, member, owners = _team_locked(actor=actor, member_id=member_id)
    if member.role == role:
        return member
    if member.pk in owners and owners == [member.pk]:
        raise MemberRuleError(
            _("%(email)s is the last owner: make someone else an owner first.")
            % {"email": member.email}
        )
    previous = member.role
    member.role = role
    member.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action="member.role_change",
        target=member,
        data={"email": member.email, "from": previous, "to": role},
    )
    return member


@transaction.atomic
def member_deactivate(*, actor: User, member_id: int) -> User:
    """Stop a member from signing in. Their sessions end with their next request."""
    actor, member, owners = _team_locked(actor=actor, member_id=member_id)
    if not member.is_active:
        return member
    if owners == [member.pk]:
        raise MemberRuleError(
            _("%(email)s is the last owner and cannot be deactivated.") % {"email": member.email}
        )
    if member.pk == actor.pk:
        raise MemberRuleError(_("You cannot deactivate yourself."))
    member.is_active = False
    member.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="member.deactivate",
        target=member,
        data={"email": member.email, "role": member.role},
    )
    return member


@transaction.atomic
def member_reactivate(*, actor: User, member_id: int) -> User:
    actor, member, _owners = _team_locked(actor=actor, member_id=member_id)
    if member.is_active:
        return member
    member.is_active = True
    member.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="member.reactivate",
        target=member,
        data={"email": member.email, "role": member.role},
    )
    return member


# --- Profile -----------------------------------------------------------------------------------


@transaction.atomic
def profile_update(*, user: User, full_name: str, phone: str) -> User:
    changes = {}
    for field, value in (("full_name", full_name.strip()), ("phone", phone.strip())):
        if getattr(user, field) != value:
            changes[field] = {"from": getattr(user, field), "to": value}
            setattr(user, field, value)
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=user, action="profile.update", target=user, data=changes)
    return user
