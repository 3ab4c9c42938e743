"""API URLs, included by supplychain/urls.py under /api/v1/ (names in the supplychain namespace)."""

from django.urls import path

from supplychain.api import views

urlpatterns = [
    path("stock-sync/", views.StockSyncView.as_view(), name="api-stock-sync"),
]
