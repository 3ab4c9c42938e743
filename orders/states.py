"""Explicit status transition maps and their history, for every order-like record.

Each stateful model declares ``TRANSITIONS = {from: {to, ...}}`` over its status choices.
``transition(obj, to, actor=..., reason=...)`` refuses a move the map does not allow with a
clear ``TransitionError`` and otherwise changes the status and writes one history row (who,
when, from, to, why) in the active schema, in the caller's transaction.

History rows live in the schema of the record: ``orders.StatusChange`` in a dealer's schema,
``fulfilment.StatusChange`` in a supplier's. A party acting on another party's record (a
supplier confirming, which moves the dealer's order too) is written by label, not by user id:
users of one schema do not exist in another.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.schema_guard import SchemaBoundModel


class TransitionError(Exception):
    """A status move that the record's transition map forbids; ``str()`` is for the user."""


class StatusChangeBase(SchemaBoundModel):
    subject_type = models.CharField(gettext_lazy("record"), max_length=32)
    subject_id = models.BigIntegerField(gettext_lazy("record id"))
    from_status = models.CharField(gettext_lazy("from"), max_length=32, blank=True)
    to_status = models.CharField(gettext_lazy("to"), max_length=32)
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=gettext_lazy("by"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(gettext_lazy("by"), max_length=254, blank=True)
    reason = models.TextField(gettext_lazy("reason"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("time"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.subject_type} {self.subject_id}: {self.from_status} → {self.to_status}"


def actor_fields(actor, label: str = "") -> dict:
    """The actor columns of a history row: the user's id when the user belongs to the active
    schema, always a label (a supplier's staff member acting on a dealer's record is known
    here by label only; no actor at all is the system)."""
    from tenants.schema_guard import active_schema

    if actor is None:
        return {"actor_id": None, "actor_label": label or _("System")}
    here = getattr(actor._state, "schema", None) == active_schema()
    return {"actor_id": actor.pk if here else None, "actor_label": label or actor.get_full_name()}


def transition_check(obj, to: str) -> None:
    current = obj.status
    if to not in obj.TRANSITIONS.get(current, ()):
        raise TransitionError(
            _("%(record)s %(number)s is “%(current)s” and cannot become “%(to)s”.")
            % {
                "record": obj._meta.verbose_name.capitalize(),
                "number": getattr(obj, "number", obj.pk),
                "current": obj.get_status_display(),
                "to": obj.status_label(to),
            }
        )


def transition(
    obj,
    to: str,
    *,
    history_model,
    actor=None,
    actor_label: str = "",
    reason: str = "",
    fields: tuple[str, ...] = (),
    now=None,
) -> None:
    """Move ``obj`` to status ``to`` (checked against ``obj.TRANSITIONS``), save ``status``
    plus ``fields`` and ``updated_at``, and record the move in ``history_model``."""
    transition_check(obj, to)
    now = now or timezone.now()
    previous = obj.status
    obj.status = to
    obj.updated_at = now
    obj.save(update_fields=["status", "updated_at", *fields])
    history_model.objects.create(
        subject_type=obj.HISTORY_TYPE,
        subject_id=obj.pk,
        from_status=previous,
        to_status=to,
        reason=reason,
        created_at=now,
        **actor_fields(actor, actor_label),
    )


def history_record(
    obj,
    *,
    history_model,
    to: str,
    from_status: str = "",
    actor=None,
    actor_label: str = "",
    reason: str = "",
    now=None,
) -> None:
    """A history row without a status change through ``transition`` (the creation of a record)."""
    history_model.objects.create(
        subject_type=obj.HISTORY_TYPE,
        subject_id=obj.pk,
        from_status=from_status,
        to_status=to,
        reason=reason,
        created_at=now or timezone.now(),
        **actor_fields(actor, actor_label),
    )


class StatusLabelMixin:
    """``status_label(value)``: the display text of any status value of the model."""

    def status_label(self, value: str) -> str:
        return str(dict(self._meta.get_field("status").choices).get(value, value))
