from django.urls import include, path

from supplychain import views, views_sync

app_name = "supplychain"

urlpatterns = [
    path("warehouses/", views.WarehouseListView.as_view(), name="warehouse-list"),
    path("warehouses/create/", views.WarehouseCreateView.as_view(), name="warehouse-create"),
    path(
        "warehouses/<int:pk>/update/", views.WarehouseUpdateView.as_view(), name="warehouse-update"
    ),
    path("warehouses/<int:pk>/stock/", views.WarehouseStockView.as_view(), name="warehouse-stock"),
    # Stock sync, API tokens, low-stock alerts (views_sync.py) and the API (api/)
    path("stock-sync/", views_sync.StockSyncListView.as_view(), name="stock-sync-list"),
    path("stock-alerts/", views_sync.LowStockAlertListView.as_view(), name="alert-list"),
    path("api-tokens/", views_sync.ApiTokenListView.as_view(), name="api-token-list"),
    path(
        "api-tokens/<int:pk>/revoke/",
        views_sync.ApiTokenRevokeView.as_view(),
        name="api-token-revoke",
    ),
    path("api/v1/", include("supplychain.api.urls")),
]
