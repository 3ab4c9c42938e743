"""The carriers' tracking callback (public domain, HMAC-signed)."""

from django.urls import path

from routing import api

app_name = "routing"

urlpatterns = [
    path("<slug:code>/callback/", api.carrier_callback, name="carrier-callback"),
]
