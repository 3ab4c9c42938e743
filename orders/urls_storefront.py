"""The buyer's cart, checkout, payments and orders on the dealer's storefront."""

from django.urls import path  # noqa: F401

app_name = "shop"

urlpatterns: list = []
