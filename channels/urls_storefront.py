"""The storefront, at the root of a dealer's domain (platform_site/urls_dealer.py)."""

from django.urls import path

from channels import views_storefront as views

app_name = "storefront"

urlpatterns = [
    path("", views.StorefrontHomeView.as_view(), name="home"),
    path("c/<slug:code>/", views.ProductListView.as_view(), name="category"),
    path("search/", views.ProductListView.as_view(), name="search"),
    path("p/<int:offer_id>/", views.ProductDetailView.as_view(), name="product"),
    path("media/<str:schema>/<path:path>", views.StorefrontMediaView.as_view(), name="media"),
]
