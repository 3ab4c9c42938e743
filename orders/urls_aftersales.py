"""A buyer's after-sales requests on the storefront."""

from django.urls import path  # noqa: F401

app_name = "shop-aftersales"

urlpatterns: list = []
