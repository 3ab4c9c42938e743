"""A dealer's place in the network: its sub-dealers, their orders and earnings (read-only)."""

from django.urls import path

from network import views_dealer as views

app_name = "dealer-network"

urlpatterns = [
    path("", views.SubDealerListView.as_view(), name="sub-dealer-list"),
    path("<int:pk>/orders/", views.SubDealerOrdersView.as_view(), name="sub-dealer-orders"),
    path("<int:pk>/earnings/", views.SubDealerEarningsView.as_view(), name="sub-dealer-earnings"),
]
