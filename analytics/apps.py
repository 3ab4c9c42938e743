from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Platform-wide reports over the exchange records (public schema)."""

    name = "analytics"
    verbose_name = _("Analytics")
