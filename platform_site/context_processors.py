from django.conf import settings

from tenants.models import tenant_base_url


class RoleCheck:
    """``{% if has_role.manager %}`` in templates: does the signed-in user rank at least that role?

    Templates cannot call ``user.has_role("manager")``; this looks the role up as a key instead.
    Nothing is evaluated until a template asks, so pages that never check roles pay nothing.
    """

    def __init__(self, request):
        self._request = request

    def __getitem__(self, role: str) -> bool:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        has_role = getattr(user, "has_role", None)
        return bool(has_role and has_role(role))


def platform(request):
    """What every layout needs: the active tenant, the platform's address and role checks."""
    tenant = getattr(request, "tenant", None)
    return {
        "current_tenant": tenant if tenant is not None and not tenant.is_public else None,
        "platform_url": tenant_base_url(settings.PLATFORM_DOMAIN),
        "has_role": RoleCheck(request),
    }
