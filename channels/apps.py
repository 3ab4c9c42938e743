from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """A dealer's private operations (dealer schema)."""

    name = "channels"
    verbose_name = _("Channel dealers")
