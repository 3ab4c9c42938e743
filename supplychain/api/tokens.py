"""API tokens of a supplier: create (the key is shown once), revoke, and look up by key.

Keys are 256-bit random strings; only their SHA-256 is stored, so a leaked database does not
leak working keys. A token lives in its supplier's schema: sent to another supplier's domain it
is simply not found.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import audit_record
from supplychain.models import ApiToken

KEY_PREFIX = "s2b_"
# last_used_at is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key; the key is returned here and never again."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied(_("Only an owner may create API tokens."))
    name = name.strip()[:100] or _("API token")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, prefix=key[:12], key_hash=key_hash(key), created_by=actor
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        target=token,
        data={"name": name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke a token of this supplier: requests with its key fail from now on."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied(_("Only an owner may revoke API tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            target=token,
            data={"name": token.name, "prefix": token.prefix},
        )
    return token


def api_token_for_key(key: str) -> ApiToken | None:
    """The token with this key in the active schema (revoked ones included), or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.filter(key_hash=key_hash(key)).first()
    if token is not None and token.revoked_at is None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def api_token_list():
    """Active tokens first, newest first."""
    from django.db.models import F

    return ApiToken.objects.select_related("created_by").order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )
