"""A dealer's domain (dealer schema): the storefront for buyers at the root, the dealer
backoffice under /backoffice/, the dealer's API under /api/v1/."""

from django.urls import include, path

from platform_site.urls_common import urlpatterns as common_urlpatterns

urlpatterns = [
    path("backoffice/orders/", include("orders.urls_backoffice")),
    path("backoffice/aftersales/", include("orders.urls_aftersales_backoffice")),
    path("backoffice/buyers/", include("buyers.urls_backoffice")),
    path("backoffice/earnings/", include("settlement.urls_dealer")),
    path("backoffice/network/", include("network.urls_dealer")),
    path("backoffice/referral/", include("network.urls_referral")),
    path("backoffice/", include("channels.urls")),
    path("api/v1/", include("channels.api.urls")),
    path("api/v1/", include("orders.api.urls")),
    *common_urlpatterns,
    path("account/", include("buyers.urls")),
    path("aftersales/", include("orders.urls_aftersales")),
    path("", include("orders.urls_storefront")),
    path("", include("channels.urls_storefront")),
]
