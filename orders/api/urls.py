"""The buyer's JSON API, under /api/v1/ on a dealer's domain (docs/buyer-api.md)."""

from django.urls import path

from orders.api import views

app_name = "orders-api"

urlpatterns = [
    path("cart/", views.CartApi.as_view(), name="cart"),
    path("cart/lines/", views.CartLinesApi.as_view(), name="cart-lines"),
    path("orders/", views.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailApi.as_view(), name="order-detail"),
]
