from django.db import connection


class PublicSchemaAfterResponseMiddleware:
    """Leave the connection in the public schema after every request.

    django-tenants switches the schema when a request starts and never switches back, so
    whatever runs next on this connection (the next request's tenant lookup, a test's own
    queries) would otherwise start in the last tenant's schema.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()


class HealthCheckMiddleware:
    """Answer ``/healthz`` before tenant routing and host validation.

    Load balancers and container probes call it by IP address or service name, which no tenant
    owns and ALLOWED_HOSTS refuses; and with the database down the tenant lookup itself fails
    with a 500. Served here, it answers 503 with what is down (platform_site.views.HealthView).
    """

    def __init__(self, get_response):
        from platform_site.views import HealthView

        self.get_response = get_response
        self.health = HealthView.as_view()

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            return self.health(request)
        return self.get_response(request)


class SuspendedTenantMiddleware:
    """A suspended supplier's or dealer's domain answers 503 with a page (JSON under /api/)
    saying so, for every path: storefront, backoffice, sign-in, APIs. The tenant row is read
    fresh on every request (django-tenants' lookup), so a suspension in the admin closes the
    site at once and a reactivation opens it again. After LocaleMiddleware: the page speaks
    the visitor's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from tenants.models import TenantStatus

        tenant = getattr(request, "tenant", None)
        if getattr(tenant, "status", TenantStatus.ACTIVE) == TenantStatus.SUSPENDED:
            return _suspended(request, tenant)
        return self.get_response(request)


def _suspended(request, tenant):
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    message = _("%(name)s is suspended by the platform for now.") % {"name": tenant.name}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=503)
    return render(request, "errors/suspended.html", {"name": tenant.name}, status=503)
