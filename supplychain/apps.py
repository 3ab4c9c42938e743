from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplychainConfig(AppConfig):
    """Warehouses and stock of a supplier (supplier schema)."""

    name = "supplychain"
    verbose_name = _("Supply chain")
