"""Views every surface shares: health, unknown hosts."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views import View


class HealthView(View):
    """200 only when both PostgreSQL and Redis answer."""

    def get(self, request):
        checks = {}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                checks["database"] = cursor.fetchone()[0] == 1
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            checks["database"] = False
        try:
            checks["redis"] = bool(cache._cache.get_client().ping())
        except Exception:  # noqa: BLE001
            checks["redis"] = False
        healthy = all(checks.values())
        return JsonResponse(
            {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
        )


class UnknownHostView(View):
    """Served for a host that no tenant owns: a real 404 page, not a blank response."""

    def dispatch(self, request, *args, **kwargs):
        return render(request, "errors/unknown_host.html", {"host": request.get_host()}, status=404)
