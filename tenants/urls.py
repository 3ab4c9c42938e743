from django.urls import path

from tenants import views
from tenants.models import TenantType

app_name = "tenants"

urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path(
        "apply/supplier/",
        views.TenantApplicationCreateView.as_view(tenant_type=TenantType.SUPPLIER),
        name="apply-supplier",
    ),
    path(
        "apply/dealer/",
        views.TenantApplicationCreateView.as_view(tenant_type=TenantType.DEALER),
        name="apply-dealer",
    ),
    path(
        "apply/submitted/",
        views.TenantApplicationSubmittedView.as_view(),
        name="application-submitted",
    ),
]
