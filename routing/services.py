"""Writes of the tracking timeline (public schema): events and the parcel's status.

``tracking_events_record`` is the one place that adds ``TrackingEvent`` rows, for the
supplier's staff (orders.workflow.fulfilment.tracking_event_add) and for the carriers'
callback (routing.api). A carrier event carries the carrier's own id: the same id on the same
parcel is recorded once (a partial unique constraint; a duplicate is skipped inside a
savepoint), so a callback delivered twice changes nothing the second time.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from routing.models import EventStatus, ShipmentTrack, TrackingEvent, TrackStatus

LOCATION_MAX = 200
DESCRIPTION_MAX = 300


@transaction.atomic
def tracking_events_record(
    *, track: ShipmentTrack, source: str, events: list[dict]
) -> list[TrackingEvent | None]:
    """Record ``events`` (dicts: occurred_at, location, status, description, external_id) on
    ``track``; returns the new rows, None for an event recorded before. The parcel becomes
    delivered on a "delivered" event (and stays so), otherwise follows its latest event."""
    track = ShipmentTrack.objects.select_for_update().get(pk=track.pk)
    created: list[TrackingEvent | None] = []
    for event in events:
        row = TrackingEvent(
            track=track,
            occurred_at=event["occurred_at"],
            location=(event.get("location") or "")[:LOCATION_MAX],
            status=event["status"],
            description=(event.get("description") or "")[:DESCRIPTION_MAX],
            source=source,
            external_id=event.get("external_id") or "",
            created_at=timezone.now(),
        )
        if row.external_id:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                created.append(None)
                continue
        else:
            row.save(force_insert=True)
        created.append(row)
    _track_status_follow(track)
    return created


def _track_status_follow(track: ShipmentTrack) -> None:
    fields = []
    delivered = (
        TrackingEvent.objects.filter(track=track, status=EventStatus.DELIVERED)
        .order_by("occurred_at", "id")
        .first()
    )
    if delivered is not None:
        if track.status != TrackStatus.DELIVERED or track.delivered_at is None:
            track.status = TrackStatus.DELIVERED
            track.delivered_at = delivered.occurred_at
            fields = ["status", "delivered_at"]
    else:
        latest = TrackingEvent.objects.filter(track=track).order_by("-occurred_at", "-id").first()
        wanted = (
            TrackStatus.EXCEPTION
            if latest is not None and latest.status == EventStatus.EXCEPTION
            else TrackStatus.IN_TRANSIT
        )
        if track.status != wanted:
            track.status = wanted
            fields = ["status"]
    if fields:
        track.save(update_fields=fields)
