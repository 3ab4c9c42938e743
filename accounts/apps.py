from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, roles and the audit log; one table of each in every schema."""

    name = "accounts"
    verbose_name = _("Accounts")
