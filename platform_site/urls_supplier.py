"""A supplier's domain (supplier schema): the supplier backoffice."""

from django.urls import include, path

from platform_site.urls_common import urlpatterns as common_urlpatterns

urlpatterns = [
    path("orders/", include("fulfilment.urls")),
    path("aftersales/", include("fulfilment.urls_aftersales")),
    path("settlement/", include("settlement.urls_supplier")),
    path("network/", include("network.urls_supplier")),
    path("", include("suppliers.urls")),
    path("", include("supplychain.urls")),
    *common_urlpatterns,
]
