"""A supplier's payables and settlement statements (supplier backoffice, /settlement/)."""

from django.urls import path

from settlement import views_supplier as views

app_name = "supplier-settlement"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("rebates/", views.RebateTierView.as_view(), name="rebate-tiers"),
    path("statements/", views.StatementListView.as_view(), name="statement-list"),
    path("statements/<int:pk>/", views.StatementDetailView.as_view(), name="statement-detail"),
    path(
        "statements/<int:pk>/confirm/",
        views.StatementConfirmView.as_view(),
        name="statement-confirm",
    ),
    path(
        "statements/<int:pk>/dispute/",
        views.StatementDisputeView.as_view(),
        name="statement-dispute",
    ),
    path(
        "statements/<int:pk>/export.csv",
        views.StatementExportCsvView.as_view(),
        name="statement-export-csv",
    ),
    path(
        "statements/<int:pk>/export.xlsx",
        views.StatementExportXlsxView.as_view(),
        name="statement-export-xlsx",
    ),
]
