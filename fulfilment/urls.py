"""Supplier orders in the supplier's backoffice: confirm, reject, ship, tracking."""

from django.urls import path

from fulfilment import views

app_name = "fulfilment"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="order-list"),
    path("export/", views.OrderExportView.as_view(), name="order-export"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<int:pk>/confirm/", views.OrderConfirmView.as_view(), name="order-confirm"),
    path("<int:pk>/reject/", views.OrderRejectView.as_view(), name="order-reject"),
    path("<int:pk>/shipments/create/", views.ShipmentCreateView.as_view(), name="shipment-create"),
    path("<int:pk>/tracking/", views.TrackingEventAddView.as_view(), name="tracking-event-add"),
]
