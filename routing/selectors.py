"""Reads of the public exchange, always filtered by the tenant asking (dealer or supplier).

A track belongs to a route, and a route names its dealer and its supplier: a dealer reads the
tracks of its own orders only, a supplier those of its own supplier orders only.
"""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Prefetch

from routing.models import ShipmentTrack, TrackingEvent


def tracking_link(track: ShipmentTrack) -> str:
    """The carrier's public tracking page of this parcel, or "" when the carrier has none."""
    template = track.carrier.tracking_url
    if not template:
        return ""
    return template.replace("{number}", quote(track.tracking_number, safe=""))


def _tracks(**route_filter) -> list[ShipmentTrack]:
    """Tracks with their carrier and their events (newest first); each carries
    ``tracking_link`` for routing/_timeline.html."""
    events = TrackingEvent.objects.order_by("-occurred_at", "-id")
    tracks = list(
        ShipmentTrack.objects.filter(**route_filter)
        .select_related("carrier")
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("created_at", "id")
    )
    for track in tracks:
        track.tracking_link = tracking_link(track)
    return tracks


def order_tracks(*, dealer_id: int, dealer_order_id: int) -> list[ShipmentTrack]:
    """Every parcel of a dealer's order (all its suppliers), events newest first."""
    return _tracks(route__dealer_id=dealer_id, route__dealer_order_id=dealer_order_id)


def supplier_order_tracks(*, supplier_id: int, supplier_order_id: int) -> list[ShipmentTrack]:
    """Every parcel of one supplier order of this supplier, events newest first."""
    return _tracks(route__supplier_id=supplier_id, route__supplier_order_id=supplier_order_id)


def track_of_supplier(*, supplier_id: int, track_id: int) -> ShipmentTrack | None:
    """A track of one of this supplier's orders, or None (another supplier's, or none)."""
    return (
        ShipmentTrack.objects.select_related("carrier", "route")
        .filter(pk=track_id, route__supplier_id=supplier_id)
        .first()
    )
