from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    """The tenant registry, domains, onboarding applications and provisioning (public schema)."""

    name = "tenants"
    verbose_name = _("Tenants")
