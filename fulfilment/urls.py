"""Supplier orders in the supplier's backoffice: confirm, reject, ship, tracking."""

from django.urls import path  # noqa: F401

app_name = "fulfilment"

urlpatterns: list = []
