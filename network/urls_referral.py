"""A dealer's referral link and QR-code poster (dealer domains, /backoffice/referral/)."""

from django.urls import path

from network import views_referral as views

app_name = "dealer-referral"

urlpatterns = [
    path("", views.ReferralOverviewView.as_view(), name="overview"),
    path("poster/", views.ReferralPosterView.as_view(), name="poster"),
]
