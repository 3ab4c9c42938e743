"""The carriers' signed tracking callback on the platform's domain."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from orders.workflow.fulfilment import shipment_create, supplier_order_confirm
from routing.api import signature_for
from routing.models import Carrier, ShipmentTrack, TrackingEvent, TrackStatus
from tests.fulfilment.builders import order_build
from tests.fulfilment.test_workflow import TOMORROW

SECRET = "carrier-shared-secret-1"
URL = "/api/v1/carriers/sf/callback/"


@pytest.fixture
def track(supplier_a, dealer, acme_staff):
    Carrier.objects.filter(code="sf").update(callback_secret=SECRET)
    built = order_build(supplier=supplier_a, dealer=dealer)
    with tenant_context(supplier_a):
        supplier_order_confirm(
            supplier_order_id=built.supplier_order_id, actor=acme_staff, promised_ship_date=TOMORROW
        )
        shipment = shipment_create(
            supplier_order_id=built.supplier_order_id,
            actor=acme_staff,
            carrier_code="sf",
            tracking_number="SF9001",
            lines={built.supplier_line_ids[0]: 3},
        )
    return ShipmentTrack.objects.get(pk=shipment.track_id)


def _body(number="SF9001", events=None) -> bytes:
    events = events or [
        {
            "id": "e1",
            "time": "2025-05-01T08:30:00+08:00",
            "location": "上海",
            "status": "in_transit",
            "description": "到达上海转运中心",
        },
        {"id": "e2", "time": "2025-05-01T12:00:00+08:00", "status": "out_for_delivery"},
    ]
    return json.dumps({"tracking_number": number, "events": events}).encode()


def _post(client, body: bytes, signature: str | None = None, url: str = URL):
    headers = {}
    if signature is not None:
        headers["HTTP_X_SIGNATURE"] = signature
    return client.post(url, body, content_type="application/json", **headers)


def test_a_signed_callback_records_its_events_once_when_sent_twice(platform_client, track):
    body = _body()
    first = _post(platform_client, body, signature_for(SECRET, body))
    assert first.status_code == 200 and first.json() == {"recorded": 2, "duplicates": 0}
    again = _post(platform_client, body, signature_for(SECRET, body))
    assert again.status_code == 200 and again.json() == {"recorded": 0, "duplicates": 2}
    carrier_events = TrackingEvent.objects.filter(track=track, source="carrier")
    assert sorted(carrier_events.values_list("external_id", flat=True)) == ["e1", "e2"]
    assert carrier_events.get(external_id="e1").location == "上海"


def test_a_wrong_or_missing_signature_records_nothing(platform_client, track):
    body = _body()
    wrong = _post(platform_client, body, signature_for("not-the-secret", body))
    missing = _post(platform_client, body)
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert "error" in wrong.json()
    assert not TrackingEvent.objects.filter(track=track, source="carrier").exists()


def test_an_unknown_carrier_or_one_without_secret_is_refused(platform_client, track):
    body = _body()
    unknown = _post(
        platform_client, body, signature_for(SECRET, body), "/api/v1/carriers/nope/callback/"
    )
    assert unknown.status_code == 403 and "error" in unknown.json()
    Carrier.objects.filter(code="sf").update(callback_secret="")
    # Signed with the empty secret: still refused.
    no_secret = _post(platform_client, body, signature_for("", body))
    assert no_secret.status_code == 403
    assert not TrackingEvent.objects.filter(track=track, source="carrier").exists()


def test_an_unknown_tracking_number_is_404(platform_client, track):
    body = _body(number="SF-NOT-OURS")
    response = _post(platform_client, body, signature_for(SECRET, body))
    assert response.status_code == 404 and response.json()["error"] == "unknown tracking number"


def test_a_bad_event_is_400_and_records_nothing(platform_client, track):
    body = _body(
        events=[
            {"id": "ok", "time": "2025-05-01T08:30:00+08:00", "status": "in_transit"},
            {"id": "bad", "time": "yesterday", "status": "teleported"},
        ]
    )
    response = _post(platform_client, body, signature_for(SECRET, body))
    assert response.status_code == 400
    assert any("events[1].status" in problem for problem in response.json()["problems"])
    assert not TrackingEvent.objects.filter(track=track, source="carrier").exists()


def test_a_delivered_event_marks_the_parcel_delivered(platform_client, track):
    body = _body(events=[{"id": "d1", "time": "2025-05-02T10:00:00+08:00", "status": "delivered"}])
    assert _post(platform_client, body, signature_for(SECRET, body)).status_code == 200
    track.refresh_from_db()
    assert track.status == TrackStatus.DELIVERED
    assert track.delivered_at.isoformat() == "2025-05-02T02:00:00+00:00"


def test_only_post_is_accepted(platform_client, track):
    assert platform_client.get(URL).status_code == 405
