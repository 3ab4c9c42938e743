"""The dealer's orders (backoffice): lists, detail, review, orders on a buyer's behalf, import, settings."""

from django.urls import path

from orders import views_backoffice as views

app_name = "dealer-orders"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="order-list"),
    path("export/", views.OrderExportView.as_view(), name="order-export"),
    path("create/", views.OrderCreateView.as_view(), name="order-create"),
    path("import/", views.OrderImportView.as_view(), name="order-import"),
    path("import/template/", views.OrderImportTemplateView.as_view(), name="order-import-template"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<int:pk>/release/", views.OrderReleaseView.as_view(), name="order-release"),
    path("<int:pk>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path(
        "<int:pk>/payments/<int:payment_id>/confirm/",
        views.PaymentConfirmView.as_view(),
        name="payment-confirm",
    ),
    path(
        "<int:pk>/payments/<int:payment_id>/reject/",
        views.PaymentRejectView.as_view(),
        name="payment-reject",
    ),
    path("shipping/", views.ShippingListView.as_view(), name="shipping-list"),
    path("shipping/create/", views.ShippingCreateView.as_view(), name="shipping-create"),
    path("shipping/<int:pk>/update/", views.ShippingUpdateView.as_view(), name="shipping-update"),
    path("settings/", views.OrderSettingsView.as_view(), name="settings"),
]
