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
