"""A supplier's dealer authorisation: rules by level and region, exclusive regions."""

from django.urls import path  # noqa: F401

app_name = "supplier-network"

urlpatterns: list = []
