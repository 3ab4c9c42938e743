"""Reads of statements, their drill-down and the earnings dashboards (public schema).

Every read takes the party (``"dealer"`` or ``"supplier"``) and its tenant id, from the
request's tenant: a statement of another party is not found, and the drill-down of a statement
only ever holds the rows of its own party (a dealer sees its lines, not the other dealers' of
the same run).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from settlement.models import (
    AccountKind,
    Adjustment,
    Override,
    PartyKind,
    Posting,
    Rebate,
    Reward,
    SettledLine,
    Statement,
    StatementStatus,
)
from tenants.models import Tenant

ZERO = Decimal("0.00")
TOTALS = (
    "net",
    "sales",
    "supply",
    "fees",
    "margin",
    "rebates",
    "overrides",
    "rewards",
    "clawbacks",
)


def _own(party: str, tenant_id: int) -> dict:
    """The filter of a party's rows in the run tables (dealer_id or supplier_id)."""
    if party == PartyKind.DEALER:
        return {"dealer_id": tenant_id}
    if party == PartyKind.SUPPLIER:
        return {"supplier_id": tenant_id}
    raise ValueError(party)


def statement_list(*, party: str, tenant_id: int) -> QuerySet[Statement]:
    return (
        Statement.objects.filter(party=party, tenant_id=tenant_id)
        .select_related("run")
        .order_by("-run__period_start", "run__kind", "-pk")
    )


def statement_get(*, party: str, tenant_id: int, statement_id: int) -> Statement | None:
    return (
        Statement.objects.filter(party=party, tenant_id=tenant_id, pk=statement_id)
        .select_related("run")
        .first()
    )


def statement_lines(*, statement: Statement) -> QuerySet[SettledLine]:
    """The order lines the statement settled for its party, with order number and SKU, and the
    other party's name (the supplier for a dealer, the dealer for a supplier)."""
    return (
        SettledLine.objects.filter(
            run_id=statement.run_id, **_own(statement.party, statement.tenant_id)
        )
        .select_related("route_line__route")
        .annotate(counterparty=_counterparty_name(statement.party))
        .order_by("pk")
    )


def statement_adjustments(*, statement: Statement) -> QuerySet[Adjustment]:
    return (
        Adjustment.objects.filter(
            run_id=statement.run_id, **_own(statement.party, statement.tenant_id)
        )
        .select_related("route_line__route")
        .annotate(counterparty=_counterparty_name(statement.party))
        .order_by("pk")
    )


def statement_rebates(*, statement: Statement) -> QuerySet[Rebate]:
    return (
        Rebate.objects.filter(run_id=statement.run_id, **_own(statement.party, statement.tenant_id))
        .annotate(counterparty=_counterparty_name(statement.party))
        .order_by("pk")
    )


def statement_overrides(*, statement: Statement) -> dict[str, list[Override]]:
    """A dealer's override commissions: earned on its direct sub-dealers (``earned``, with their
    names) and paid to its upper dealer out of its margin (``paid``, without the upper
    dealer's name: that is the upper dealer's business)."""
    if statement.party != PartyKind.DEALER:
        return {"earned": [], "paid": []}
    rows = (
        Override.objects.filter(run_id=statement.run_id)
        .filter(Q(dealer_id=statement.tenant_id) | Q(sub_dealer_id=statement.tenant_id))
        .annotate(
            sub_dealer_name=Subquery(
                Tenant.objects.filter(pk=OuterRef("sub_dealer_id")).values("name")[:1]
            )
        )
        .order_by("pk")
    )
    earned, paid = [], []
    for row in rows:
        (earned if row.dealer_id == statement.tenant_id else paid).append(row)
    return {"earned": earned, "paid": paid}


def statement_rewards(*, statement: Statement) -> QuerySet[Reward]:
    if statement.party != PartyKind.DEALER:
        return Reward.objects.none()
    return (
        Reward.objects.filter(run_id=statement.run_id, dealer_id=statement.tenant_id)
        .select_related("rule")
        .order_by("pk")
    )


def _counterparty_name(party: str) -> Subquery:
    column = "supplier_id" if party == PartyKind.DEALER else "dealer_id"
    return Subquery(Tenant.objects.filter(pk=OuterRef(column)).values("name")[:1])


# --- Dashboards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    totals: dict[str, Decimal]  # sums over every statement of the party (TOTALS)
    paid: Decimal  # nets of the statements paid out
    balance: Decimal  # what the platform owes the party now, from the ledger
    statements: int
    bars: list[dict]  # the last 12 periods, oldest first: label, net, height, negative

    @property
    def has_negative(self) -> bool:
        return any(bar["negative"] for bar in self.bars)


def party_balance(*, party: str, tenant_id: int) -> Decimal:
    """What the platform owes the party now: the credit balance of its payable account, a sum of
    postings (negative: the party owes the platform)."""
    total = Posting.objects.filter(
        account__party=party, account__tenant_id=tenant_id, account__kind=AccountKind.PAYABLE
    ).aggregate(total=Sum("amount"))["total"]
    return -(total or ZERO) + ZERO


def party_dashboard(*, party: str, tenant_id: int, periods: int = 12) -> Dashboard:
    statements = Statement.objects.filter(party=party, tenant_id=tenant_id)
    sums = statements.aggregate(
        **{f"total_{name}": Coalesce(Sum(name), ZERO) for name in TOTALS},
        total_paid=Coalesce(Sum("net", filter=Q(status=StatementStatus.PAID)), ZERO),
    )
    sums = {name.removeprefix("total_"): value for name, value in sums.items()}
    count = statements.count()
    recent = list(
        statements.select_related("run").order_by("-run__period_start", "run__kind", "-pk")[
            :periods
        ]
    )
    recent.reverse()
    peak = max((abs(s.net) for s in recent), default=ZERO) or Decimal(1)
    bars = [
        {
            "statement": s,
            "label": s.run.period_start,
            "kind": s.run.kind,
            "net": s.net,
            "negative": s.net < 0,
            # percent of the chart's half height (positive bars up, negative down)
            "height": int(abs(s.net) * 100 / peak),
        }
        for s in recent
    ]
    paid = sums.pop("paid")
    return Dashboard(
        totals=sums,
        paid=paid,
        balance=party_balance(party=party, tenant_id=tenant_id),
        statements=count,
        bars=bars,
    )
