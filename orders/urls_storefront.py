"""The buyer's cart, checkout, payments and orders on the dealer's storefront."""

from django.urls import path

from orders import views_buyer_orders as orders
from orders import views_cart as cart
from orders import views_checkout as checkout

app_name = "shop"

urlpatterns = [
    path("cart/", cart.CartView.as_view(), name="cart"),
    path("cart/add/", cart.CartAddView.as_view(), name="cart-add"),
    path("cart/update/", cart.CartUpdateView.as_view(), name="cart-update"),
    path("cart/remove/", cart.CartRemoveView.as_view(), name="cart-remove"),
    path("cart/clear/", cart.CartClearView.as_view(), name="cart-clear"),
    path("cart/quick/", cart.QuickOrderView.as_view(), name="quick-order"),
    path("checkout/", checkout.CheckoutView.as_view(), name="checkout"),
    path("orders/", orders.OrderListView.as_view(), name="order-list"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/cancel/", orders.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<int:pk>/receipt/", orders.OrderReceiptView.as_view(), name="order-receipt"),
    path("orders/<int:pk>/reorder/", orders.OrderReorderView.as_view(), name="order-reorder"),
    path("orders/<int:pk>/pay/", orders.PayStartView.as_view(), name="pay-start"),
    path("orders/<int:pk>/proof/", orders.PaymentProofView.as_view(), name="payment-proof"),
    path("orders/notifications/", orders.NotificationListView.as_view(), name="notifications"),
    path(
        "orders/notifications/<int:pk>/read/",
        orders.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("pay/sandbox/<str:reference>/", orders.PaySandboxView.as_view(), name="pay-sandbox"),
    path("pay/proofs/<int:pk>/", orders.PaymentProofFileView.as_view(), name="payment-proof-file"),
]
