"""After-sales requests in the supplier's backoffice."""

from django.urls import path  # noqa: F401

app_name = "supplier-aftersales"

urlpatterns: list = []
