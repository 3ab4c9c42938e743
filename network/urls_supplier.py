"""A supplier's dealer authorisation: rules by level and region, exclusive regions."""

from django.urls import path

from network import views_supplier as views

app_name = "supplier-network"

urlpatterns = [
    path("", views.AuthorisationRuleView.as_view(), name="rule"),
    path(
        "exclusive-regions/",
        views.ExclusiveRegionListView.as_view(),
        name="exclusive-region-list",
    ),
    path(
        "exclusive-regions/create/",
        views.ExclusiveRegionCreateView.as_view(),
        name="exclusive-region-create",
    ),
    path(
        "exclusive-regions/<int:pk>/delete/",
        views.ExclusiveRegionDeleteView.as_view(),
        name="exclusive-region-delete",
    ),
]
