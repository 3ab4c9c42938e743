"""The carriers' tracking callback: ``POST /api/v1/carriers/<code>/callback/`` (public domain).

Body (JSON)::

    {"tracking_number": "SF123", "events": [
        {"id": "ev-1", "time": "2025-05-01T08:30:00+08:00", "location": "上海",
         "status": "in_transit", "description": "到达上海转运中心"}]}

Header ``X-Signature: sha256=<hex>``: HMAC-SHA256 of the raw body with the carrier's callback
secret (``Carrier.callback_secret``), compared in constant time. Answers (always JSON):
200 ``{"recorded": n, "duplicates": m}``; 400 a body that is not as above (nothing recorded);
401 a missing or wrong signature; 403 an unknown or inactive carrier, or one without a secret;
404 a tracking number of this carrier that no parcel has. Events are recorded once per event
id: a callback delivered twice records nothing the second time.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.http import JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from routing.models import Carrier, EventSource, EventStatus, ShipmentTrack
from routing.services import tracking_events_record

MAX_BODY_BYTES = 256 * 1024
MAX_EVENTS = 200
SIGNATURE_PREFIX = "sha256="


def signature_for(secret: str, body: bytes) -> str:
    """The ``X-Signature`` header value a carrier sends with ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _events_parse(raw) -> tuple[list[dict], list[str]]:
    if not isinstance(raw, list) or not raw:
        return [], ["events: a non-empty list is required"]
    if len(raw) > MAX_EVENTS:
        return [], [f"events: at most {MAX_EVENTS} per callback"]
    statuses = set(EventStatus.values)
    events, problems = [], []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(f"events[{index}]: an object is required")
            continue
        event_id = item.get("id")
        if not isinstance(event_id, str | int) or not str(event_id).strip():
            problems.append(f"events[{index}].id: required")
        elif len(str(event_id)) > 100:
            problems.append(f"events[{index}].id: at most 100 characters")
        when = parse_datetime(item["time"]) if isinstance(item.get("time"), str) else None
        if when is None:
            problems.append(f"events[{index}].time: an ISO 8601 date and time is required")
        elif timezone.is_naive(when):
            when = timezone.make_aware(when)
        if item.get("status") not in statuses:
            problems.append(f"events[{index}].status: one of {', '.join(sorted(statuses))}")
        for name in ("location", "description"):
            if not isinstance(item.get(name, ""), str):
                problems.append(f"events[{index}].{name}: text is required")
        if not problems:
            events.append(
                {
                    "external_id": str(event_id).strip(),
                    "occurred_at": when,
                    "status": item["status"],
                    "location": item.get("location", ""),
                    "description": item.get("description", ""),
                }
            )
    return events, problems


@csrf_exempt
@require_POST
def carrier_callback(request, code: str):
    carrier = Carrier.objects.filter(code=code, is_active=True).first()
    if carrier is None or not carrier.callback_secret:
        return _error(403, "unknown carrier, or no callback secret is set for it")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return _error(400, "body too large")
    sent = request.headers.get("X-Signature", "")
    expected = signature_for(carrier.callback_secret, body)
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        return _error(401, "missing or invalid X-Signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body is not JSON")
    if not isinstance(payload, dict):
        return _error(400, "the body must be a JSON object")
    number = payload.get("tracking_number")
    if not isinstance(number, str) or not number.strip():
        return _error(400, "tracking_number is required")
    events, problems = _events_parse(payload.get("events"))
    if problems:
        return _error(400, "invalid events; nothing was recorded", problems=problems)
    track = ShipmentTrack.objects.filter(carrier=carrier, tracking_number=number.strip()).first()
    if track is None:
        return _error(404, "unknown tracking number")
    recorded = tracking_events_record(track=track, source=EventSource.CARRIER, events=events)
    new = sum(1 for row in recorded if row is not None)
    return JsonResponse({"recorded": new, "duplicates": len(recorded) - new})
