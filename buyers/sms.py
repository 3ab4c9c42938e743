"""Text messages (SMS) to mobile numbers, through a backend chosen by ``settings.SMS_BACKEND``.

``SMS_BACKEND`` is the dotted path of a class with ``send(*, phone: str, message: str)``; the
default, ``buyers.sms.ConsoleBackend``, sends nothing: it logs the message (logger
``buyers.sms``, level INFO) and writes it to standard output, for development and tests. A
production deployment points the setting at a class that calls its SMS gateway.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("buyers.sms")

DEFAULT_BACKEND = "buyers.sms.ConsoleBackend"


class ConsoleBackend:
    """Logs each message and prints it to stdout instead of sending it."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)
        sys.stdout.write(f"SMS to {phone}: {message}\n")
        sys.stdout.flush()


def sms_backend():
    return import_string(getattr(settings, "SMS_BACKEND", None) or DEFAULT_BACKEND)()


def sms_send(*, phone: str, message: str) -> None:
    """Send ``message`` to ``phone`` through the configured backend."""
    sms_backend().send(phone=phone, message=message)
