from django.db import models

from accounts.models import AuditLog, User


def audit_record(
    *, actor: User | None, action: str, target: models.Model | None = None, data: dict | None = None
) -> AuditLog:
    """Record a sensitive operation in the active schema's audit log.

    Call it inside the transaction of the action itself, so both commit or neither does.
    """
    return AuditLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.email if actor is not None else "system",
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
