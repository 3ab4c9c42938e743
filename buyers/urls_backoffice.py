"""The dealer's buyer companies (backoffice): list, detail, payment terms.

Mounted at /backoffice/buyers/ on dealer domains (platform_site/urls_dealer.py).
"""

from django.urls import path

from buyers import views_backoffice as views

app_name = "dealer-buyers"

urlpatterns = [
    path("", views.CompanyListView.as_view(), name="company-list"),
    path("<int:pk>/", views.CompanyDetailView.as_view(), name="company-detail"),
    path("<int:pk>/terms/", views.CompanyTermsView.as_view(), name="company-terms"),
]
