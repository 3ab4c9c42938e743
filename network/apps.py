from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """The channel network: dealer levels, supplier authorisation, exclusive regions and the
    dealer hierarchy (public schema)."""

    name = "network"
    verbose_name = _("Channel network")
