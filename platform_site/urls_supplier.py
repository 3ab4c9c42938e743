"""A supplier's domain (supplier schema): the supplier backoffice."""

from django.urls import include, path

from platform_site.urls_common import urlpatterns as common_urlpatterns

urlpatterns = [
    path("", include("suppliers.urls")),
    path("", include("supplychain.urls")),
    *common_urlpatterns,
]
