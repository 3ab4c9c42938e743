from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    """Supplier orders, their stock reservations, shipments and after-sales (supplier schema)."""

    name = "fulfilment"
    verbose_name = _("Supplier orders")
