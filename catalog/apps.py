from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    """Platform categories and the shared supply catalogue (public schema)."""

    name = "catalog"
    verbose_name = _("Catalogue")
