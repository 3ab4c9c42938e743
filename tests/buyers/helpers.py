"""Helpers of the buyer tests."""

from __future__ import annotations

import re

from django.core import mail

PASSWORD = "Blue-Harbour-1927"


def register_data(**overrides) -> dict:
    data = {
        "company_name": "Huadong Parts 华东配件",
        "tax_number": "91310000MA1FL0XX1K",
        "full_name": "李雷",
        "email": "",
        "phone": "",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    return {**data, **overrides}


def code_from(output: str) -> str:
    """The last 6-digit code the console SMS backend printed."""
    codes = re.findall(r"SMS to \d+: .*?\b(\d{6})\b", output)
    assert codes, f"no SMS code printed in {output!r}"
    return codes[-1]


def link_from_last_mail() -> str:
    body = mail.outbox[-1].body
    links = re.findall(r"https?://\S+", body)
    assert links, body
    return links[0]
