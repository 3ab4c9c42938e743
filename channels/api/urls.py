"""The dealer's open API, under /api/v1/ on a dealer's domain."""

from django.urls import path

from channels.api import views

app_name = "channels-api"

urlpatterns = [
    path("listings/", views.ListingListApi.as_view(), name="listing-list"),
]
