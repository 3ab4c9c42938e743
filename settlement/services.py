"""The statement workflow and the payout (public schema rows, audit in the acting schema).

``Statement.TRANSITIONS`` is the whole workflow: issued → confirmed, or disputed with a comment
→ resolved by the platform; confirmed or resolved → paid. Each move locks the statement row,
checks the map and writes an audit row in the active schema in the same transaction: the
party's own schema for a confirmation or a dispute (made at its backoffice), public for the
platform's resolution and payout (made in the admin).

* The party moves only its own statements: ``tenant`` must be the statement's party; any other
  statement is "not found" (``Statement.DoesNotExist``), the same as one that does not exist.
* Repeating the move a statement already made (a doubled click) changes nothing and returns
  the statement as it is; any other move the map does not allow raises ``StatementError``.
* Paying writes one ``JournalEntry(kind="payout", source="payout:<id>")``: the party's payable
  account is debited by ``net`` and the platform's bank account credited (a negative net, the
  party owing the platform, reverses both); a zero net writes no entry. The unique source is
  the second guard against paying twice. Balances stay sums of postings.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import audit_record
from settlement.models import (
    AccountKind,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    PartyKind,
    Posting,
    Statement,
    StatementStatus,
)
from tenants.models import Tenant


class StatementError(Exception):
    """A move the workflow does not allow, or bad input; the message is for the person."""


def _refusal(statement: Statement, to: str) -> str:
    status = statement.get_status_display()
    messages = {
        StatementStatus.CONFIRMED: _(
            "Only an issued statement can be confirmed; this one is %(status)s."
        ),
        StatementStatus.DISPUTED: _(
            "Only an issued statement can be disputed; this one is %(status)s."
        ),
        StatementStatus.RESOLVED: _(
            "Only a disputed statement can be resolved; this one is %(status)s."
        ),
        StatementStatus.PAID: _(
            "Only a confirmed or resolved statement can be paid; this one is %(status)s."
        ),
    }
    return messages[to] % {"status": status}


def _locked(statement_id: int, **scope) -> Statement:
    """The statement row, locked for this transaction (``DoesNotExist`` outside ``scope``)."""
    return Statement.objects.select_for_update().get(pk=statement_id, **scope)


def _party_scope(tenant: Tenant) -> dict:
    if tenant.type not in (PartyKind.DEALER, PartyKind.SUPPLIER):
        raise Statement.DoesNotExist
    return {"party": tenant.type, "tenant_id": tenant.pk}


def _needs_move(statement: Statement, to: str) -> bool:
    """True when the map allows the move; False when the statement is there already (a
    repeated click: nothing to do); ``StatementError`` for any other move."""
    if statement.status == to:
        return False
    if to not in Statement.TRANSITIONS[statement.status]:
        raise StatementError(_refusal(statement, to))
    return True


def _move(
    statement: Statement, to: str, *, actor: User | None, fields: dict, data: dict | None = None
) -> None:
    previous = statement.status
    for name, value in fields.items():
        setattr(statement, name, value)
    statement.status = to
    statement.updated_at = timezone.now()
    statement.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        actor=actor,
        action=f"statement.{to}",
        target=statement,
        data={"from": previous, "net": str(statement.net), **(data or {})},
    )


@transaction.atomic
def statement_confirm(*, statement_id: int, tenant: Tenant, actor: User | None) -> Statement:
    """The party agrees with its statement."""
    statement = _locked(statement_id, **_party_scope(tenant))
    if _needs_move(statement, StatementStatus.CONFIRMED):
        _move(statement, StatementStatus.CONFIRMED, actor=actor, fields={})
    return statement


@transaction.atomic
def statement_dispute(
    *, statement_id: int, tenant: Tenant, actor: User | None, comment: str
) -> Statement:
    """The party disagrees, saying why; the platform resolves it."""
    statement = _locked(statement_id, **_party_scope(tenant))
    if _needs_move(statement, StatementStatus.DISPUTED):
        comment = (comment or "").strip()
        if not comment:
            raise StatementError(_("Say what is wrong with the statement."))
        _move(
            statement,
            StatementStatus.DISPUTED,
            actor=actor,
            fields={"comment": comment},
            data={"comment": comment},
        )
    return statement


@transaction.atomic
def statement_resolve(*, statement_id: int, actor: User | None, resolution: str) -> Statement:
    """Platform staff answer a dispute; the statement can then be paid."""
    statement = _locked(statement_id)
    if _needs_move(statement, StatementStatus.RESOLVED):
        resolution = (resolution or "").strip()
        if not resolution:
            raise StatementError(_("Write how the dispute was resolved."))
        _move(
            statement,
            StatementStatus.RESOLVED,
            actor=actor,
            fields={"resolution": resolution},
            data={"resolution": resolution},
        )
        _party_tell_after_commit(statement)
    return statement


@transaction.atomic
def statement_pay(*, statement_id: int, actor: User | None, reference: str) -> Statement:
    """Platform staff record the payout of a confirmed or resolved statement."""
    statement = _locked(statement_id)
    if statement.party == PartyKind.PLATFORM:
        raise StatementError(_("The platform's own statement is not paid out."))
    if _needs_move(statement, StatementStatus.PAID):
        reference = (reference or "").strip()
        if not reference:
            raise StatementError(_("Enter the reference of the payment (bank transfer number)."))
        _move(
            statement,
            StatementStatus.PAID,
            actor=actor,
            fields={"payout_reference": reference[:100]},
            data={"reference": reference},
        )
        _payout_entry(statement, reference=reference)
        _party_tell_after_commit(statement)
    return statement


# Where a party reads its statement (a path on its own domain).
STATEMENT_PATHS = {
    PartyKind.DEALER: "/backoffice/earnings/statements/{pk}/",
    PartyKind.SUPPLIER: "/settlement/statements/{pk}/",
}


def _party_tell_after_commit(statement: Statement) -> None:
    """After commit, tell the party's owners and managers in their own schema (a Celery task
    naming the tenant: the platform never writes into a tenant's schema in its transaction)."""
    if statement.party not in STATEMENT_PATHS or statement.tenant_id is None:
        return
    from settlement.tasks import statement_notify_task

    statement_id = statement.pk
    transaction.on_commit(
        lambda: statement_notify_task.delay(statement_id=statement_id), robust=True
    )


def statement_notify(*, statement_id: int) -> int:
    """In the party's schema (active): a notification of the statement's new status to its
    owners and managers. Returns how many were written."""
    from accounts.notifications import notification_send_managers

    statement = Statement.objects.select_related("run").get(pk=statement_id)
    period = f"{statement.run.period_start:%Y-%m-%d}"
    if statement.status == StatementStatus.PAID:
        title = _("Statement of %(period)s paid: ¥%(net)s (reference %(reference)s)") % {
            "period": period,
            "net": f"{statement.net:,.2f}",
            "reference": statement.payout_reference,
        }
    else:
        title = _("Your dispute of the statement of %(period)s is resolved") % {"period": period}
    return notification_send_managers(
        kind=f"statement.{statement.status}",
        title=title,
        body=statement.resolution if statement.status == StatementStatus.RESOLVED else "",
        link=STATEMENT_PATHS[statement.party].format(pk=statement.pk),
    )


def _payout_entry(statement: Statement, *, reference: str) -> JournalEntry | None:
    net = statement.net
    if net == Decimal(0):
        return None
    entry, created = JournalEntry.objects.get_or_create(
        source=f"payout:{statement.pk}",
        defaults={"kind": EntryKind.PAYOUT, "memo": reference[:300]},
    )
    if not created:
        return entry
    payable, _created = LedgerAccount.objects.get_or_create(
        party=statement.party, tenant_id=statement.tenant_id, kind=AccountKind.PAYABLE
    )
    bank, _created = LedgerAccount.objects.get_or_create(
        party=PartyKind.PLATFORM, tenant_id=None, kind=AccountKind.BANK
    )
    Posting.objects.bulk_create(
        [
            Posting(entry=entry, account=payable, amount=net),
            Posting(entry=entry, account=bank, amount=-net),
        ]
    )
    return entry


# --- A supplier's rebate tiers -------------------------------------------------------------------

MAX_REBATE_TIERS = 10


@transaction.atomic
def rebate_tiers_set(*, supplier, actor, tiers: list[tuple[Decimal, Decimal]]) -> list:
    """Replace the supplier's rebate tiers with ``tiers`` [(monthly purchases from, percent)].

    Each tier needs a volume ≥ 0 and a percent in (0, 100]; volumes differ, and a higher
    volume must not pay a lower percent. Settled months keep the rebates they were paid."""
    from django.core.exceptions import ValidationError

    from settlement.models import RebateTier

    Tenant.objects.select_for_update().filter(pk=supplier.pk).first()  # one editor at a time
    ordered = sorted(tiers)
    problems = []
    if len(ordered) > MAX_REBATE_TIERS:
        problems.append(_("At most %(max)s tiers.") % {"max": MAX_REBATE_TIERS})
    for volume, percent in ordered:
        if volume < 0:
            problems.append(_("A monthly purchase volume cannot be negative."))
        if not 0 < percent <= 100:
            problems.append(_("A rebate is more than 0 and at most 100 %."))
    volumes = [volume for volume, _percent in ordered]
    if len(set(volumes)) != len(volumes):
        problems.append(_("Two tiers start at the same monthly purchase volume."))
    percents = [percent for _volume, percent in ordered]
    if any(later < earlier for earlier, later in zip(percents, percents[1:], strict=False)):
        problems.append(_("A higher monthly purchase volume cannot earn a lower rebate."))
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    before = [
        (str(t.min_volume), str(t.percent))
        for t in RebateTier.objects.filter(supplier=supplier).order_by("min_volume")
    ]
    RebateTier.objects.filter(supplier=supplier).delete()
    created = RebateTier.objects.bulk_create(
        [RebateTier(supplier=supplier, min_volume=v, percent=p) for v, p in ordered]
    )
    if before != [(str(v), str(p)) for v, p in ordered]:
        audit_record(
            actor=actor,
            action="settlement.rebate_tiers",
            data={"before": before, "after": [(str(v), str(p)) for v, p in ordered]},
        )
    return created
