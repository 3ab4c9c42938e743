"""The dealer backoffice, under /backoffice/ on a dealer's domain (platform_site/urls_dealer.py)."""

from django.urls import path

from channels import views

app_name = "channels"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    # The supply catalogue (offers of suppliers that publish to this dealer)
    path("catalogue/", views.OfferListView.as_view(), name="offer-list"),
    path("catalogue/<int:pk>/", views.OfferDetailView.as_view(), name="offer-detail"),
    path("catalogue/<int:pk>/add/", views.ListingCreateView.as_view(), name="listing-create"),
    path("catalogue/add/", views.ListingBulkCreateView.as_view(), name="listing-bulk-create"),
    # The store's listings
    path("listings/", views.ListingListView.as_view(), name="listing-list"),
    path("listings/<int:pk>/update/", views.ListingUpdateView.as_view(), name="listing-update"),
    path("listings/<int:pk>/status/", views.ListingStatusView.as_view(), name="listing-status"),
    # Storefront settings (店铺装修)
    path(
        "storefront/",
        views.StorefrontSettingsUpdateView.as_view(),
        name="storefront-settings",
    ),
]
