"""A dealer's domain (dealer schema): the dealer backoffice; the storefront joins with the catalogue."""

from django.urls import include, path

from platform_site.urls_common import urlpatterns as common_urlpatterns

urlpatterns = [
    path("", include("channels.urls")),
    *common_urlpatterns,
]
