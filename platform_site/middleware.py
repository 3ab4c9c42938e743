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
