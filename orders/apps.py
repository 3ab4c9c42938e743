from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    """Buyer orders at a dealer (dealer schema)."""

    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from orders import notify  # noqa: F401  (registers the email task with Celery)
