from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """The public exchange of orders: which dealer order went to which supplier order, and the
    shipment tracking every party of an order follows (public schema)."""

    name = "routing"
    verbose_name = _("Order routing")
