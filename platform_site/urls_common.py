"""URLs that every surface (platform, supplier, dealer) serves."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from platform_site.views import HealthView

urlpatterns = [
    path("healthz", HealthView.as_view(), name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
]
