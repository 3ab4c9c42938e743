"""A dealer's referral link and QR-code poster."""

from django.urls import path  # noqa: F401

app_name = "dealer-referral"

urlpatterns: list = []
