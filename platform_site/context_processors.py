from django.conf import settings

from tenants.models import tenant_base_url


def platform(request):
    """What every layout needs: the active tenant and the platform's own address."""
    tenant = getattr(request, "tenant", None)
    return {
        "current_tenant": tenant if tenant is not None and not tenant.is_public else None,
        "platform_url": tenant_base_url(settings.PLATFORM_DOMAIN),
    }
