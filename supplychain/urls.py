from django.urls import path

from supplychain import views

app_name = "supplychain"

urlpatterns = [
    path("warehouses/", views.WarehouseListView.as_view(), name="warehouse-list"),
    path("warehouses/create/", views.WarehouseCreateView.as_view(), name="warehouse-create"),
    path(
        "warehouses/<int:pk>/update/", views.WarehouseUpdateView.as_view(), name="warehouse-update"
    ),
    path("warehouses/<int:pk>/stock/", views.WarehouseStockView.as_view(), name="warehouse-stock"),
]
