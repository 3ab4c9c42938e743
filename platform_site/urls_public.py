"""The platform's own domain (public schema): landing page, applications, administration."""

from django.contrib import admin
from django.urls import include, path

from platform_site.urls_common import urlpatterns as common_urlpatterns

urlpatterns = [
    path("", include("tenants.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/carriers/", include("routing.urls")),
    *common_urlpatterns,
]
