from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    """Commission settlement and the double-entry ledger (public schema)."""

    name = "settlement"
    verbose_name = _("Settlement")
