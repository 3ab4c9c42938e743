"""A dealer's earnings and settlement statements (dealer backoffice)."""

from django.urls import path  # noqa: F401

app_name = "dealer-earnings"

urlpatterns: list = []
