"""``Authorization: Token <key>`` for the supplier's API (ERP integration).

The request is authenticated as the token, not as a person: ``request.user`` is an
``ApiClient`` and ``request.auth`` the ``ApiToken``. A missing, unknown or revoked key answers
401 with ``WWW-Authenticate: Token``. The key is looked up in the schema of the domain the
request came to, so a token of one supplier never works at another's.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from supplychain.api.tokens import api_token_for_key
from supplychain.models import ApiToken


class ApiClient:
    """The caller of an API request authenticated by a token."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, token: ApiToken):
        self.token = token

    def __str__(self):
        return f"API: {self.token}"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Token <key>”.")
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        return ApiClient(token), token

    def authenticate_header(self, request):
        return self.keyword


class HasApiToken(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, ApiToken) and request.auth.revoked_at is None


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Requests per token (the cache key carries the tenant's schema as well)."""

    scope = "api-token"
    rate = "60/min"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
