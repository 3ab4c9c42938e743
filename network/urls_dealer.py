"""A dealer's place in the network: its sub-dealers, their orders and earnings (read-only)."""

from django.urls import path  # noqa: F401

app_name = "dealer-network"

urlpatterns: list = []
