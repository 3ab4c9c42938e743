"""A supplier's payables and settlement statements (supplier backoffice)."""

from django.urls import path  # noqa: F401

app_name = "supplier-settlement"

urlpatterns: list = []
