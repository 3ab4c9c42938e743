"""The dealer's orders (backoffice): lists, detail, review, orders on a buyer's behalf, import, settings."""

from django.urls import path  # noqa: F401

app_name = "dealer-orders"

urlpatterns: list = []
