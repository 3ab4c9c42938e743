"""After-sales requests in the dealer's backoffice."""

from django.urls import path  # noqa: F401

app_name = "dealer-aftersales"

urlpatterns: list = []
