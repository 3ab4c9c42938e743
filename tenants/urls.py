from django.urls import path

from tenants import views

app_name = "tenants"

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
]
