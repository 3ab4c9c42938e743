"""The statement workflow and the payout: issued → confirmed, or disputed → resolved; then
paid once, with a balanced payout entry that brings the party's balance to zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from routing.models import RouteLine
from settlement import services
from settlement.models import JournalEntry, Posting, Statement, StatementStatus
from settlement.services import StatementError
from tests.accounts.helpers import member_make
from tests.builders import platform_admin
from tests.settlement.statement_helpers import DAY, payable_balance, run_make, statement_of

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def run(dealer, supplier_a):
    # Dealer: margin 200 + 150 = 350; supplier: 800 + 350 − 2 % of 1,500 = 1,120.
    return run_make(
        dealer=dealer,
        supplier=supplier_a,
        lines=[("1000.00", "800.00"), ("500.00", "350.00")],
    )


@pytest.fixture
def manager(dealer):
    return member_make(dealer, email="manager@delta.statements.test", role=Role.MANAGER)


def confirm(statement, tenant, actor):
    with tenant_context(tenant):
        return services.statement_confirm(statement_id=statement.pk, tenant=tenant, actor=actor)


def dispute(statement, tenant, actor, comment):
    with tenant_context(tenant):
        return services.statement_dispute(
            statement_id=statement.pk, tenant=tenant, actor=actor, comment=comment
        )


def audit_actions(tenant, statement) -> list[str]:
    with tenant_context(tenant):
        return list(
            AuditLog.objects.filter(
                target_type="settlement.Statement", target_id=str(statement.pk)
            ).values_list("action", flat=True)
        )


def test_the_dealer_confirms_its_statement_once_with_an_audit_row(run, dealer, manager):
    statement = statement_of(run, dealer)
    assert (statement.status, statement.net) == (StatementStatus.ISSUED, Decimal("350.00"))

    confirm(statement, dealer, manager)
    again = confirm(statement, dealer, manager)  # a doubled click

    assert again.status == StatementStatus.CONFIRMED
    statement.refresh_from_db()
    assert statement.status == StatementStatus.CONFIRMED
    assert audit_actions(dealer, statement) == ["statement.confirmed"]
    connection.set_schema_to_public()
    assert not AuditLog.objects.filter(
        target_type="settlement.Statement", target_id=str(statement.pk)
    ).exists()


def test_a_dispute_needs_a_comment_and_keeps_it(run, dealer, manager):
    statement = statement_of(run, dealer)
    with pytest.raises(StatementError, match="Say what is wrong with the statement."):
        dispute(statement, dealer, manager, "   ")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ISSUED

    dispute(statement, dealer, manager, "Line SKU-1 was returned in full.")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DISPUTED
    assert statement.comment == "Line SKU-1 was returned in full."
    assert audit_actions(dealer, statement) == ["statement.disputed"]


def test_a_party_cannot_move_another_partys_statement(run, dealer, dealer_b, supplier_a):
    statement = statement_of(run, dealer)
    with pytest.raises(Statement.DoesNotExist):
        confirm(statement, dealer_b, None)
    with pytest.raises(Statement.DoesNotExist):
        dispute(statement, supplier_a, None, "not ours")
    # The supplier confirms its own statement of the same run, not the dealer's.
    confirm(statement_of(run, supplier_a), supplier_a, None)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ISSUED


def test_forbidden_moves_are_refused_with_the_reason(run, dealer, manager):
    statement = statement_of(run, dealer)
    staff = platform_admin()
    with pytest.raises(
        StatementError,
        match="Only a confirmed or resolved statement can be paid; this one is Issued.",
    ):
        services.statement_pay(statement_id=statement.pk, actor=staff, reference="T-1")
    with pytest.raises(
        StatementError, match="Only a disputed statement can be resolved; this one is Issued."
    ):
        services.statement_resolve(statement_id=statement.pk, actor=staff, resolution="ok")

    confirm(statement, dealer, manager)
    with pytest.raises(
        StatementError, match="Only an issued statement can be disputed; this one is Confirmed."
    ):
        dispute(statement, dealer, manager, "too late")

    connection.set_schema_to_public()
    services.statement_pay(statement_id=statement.pk, actor=staff, reference="T-1")
    with pytest.raises(
        StatementError, match="Only a disputed statement can be resolved; this one is Paid."
    ):
        services.statement_resolve(statement_id=statement.pk, actor=staff, resolution="x")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID
    assert JournalEntry.objects.filter(kind="payout").count() == 1


def test_the_platform_resolves_a_dispute_then_pays_it(run, dealer, manager):
    statement = statement_of(run, dealer)
    dispute(statement, dealer, manager, "The second line is short by one unit.")
    connection.set_schema_to_public()
    staff = platform_admin()
    with pytest.raises(StatementError, match="Write how the dispute was resolved."):
        services.statement_resolve(statement_id=statement.pk, actor=staff, resolution="")

    services.statement_resolve(
        statement_id=statement.pk, actor=staff, resolution="Checked: the shortage is refunded."
    )
    services.statement_pay(statement_id=statement.pk, actor=staff, reference="BANK-2031-0001")

    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID
    assert statement.resolution == "Checked: the shortage is refunded."
    assert statement.payout_reference == "BANK-2031-0001"
    # The platform's moves are in the platform's audit log.
    assert list(
        AuditLog.objects.filter(target_type="settlement.Statement", target_id=str(statement.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["statement.resolved", "statement.paid"]


def test_paying_writes_a_balanced_payout_and_the_balance_goes_to_zero(
    run, dealer, supplier_a, manager
):
    staff = platform_admin()
    for tenant in (dealer, supplier_a):
        statement = statement_of(run, tenant)
        confirm(statement, tenant, manager if tenant == dealer else None)
    connection.set_schema_to_public()
    assert payable_balance(dealer) == Decimal("350.00")
    assert payable_balance(supplier_a) == Decimal("1120.00")

    for tenant in (dealer, supplier_a):
        statement = statement_of(run, tenant)
        with pytest.raises(StatementError, match="Enter the reference of the payment"):
            services.statement_pay(statement_id=statement.pk, actor=staff, reference=" ")
        services.statement_pay(statement_id=statement.pk, actor=staff, reference=f"T-{tenant.slug}")

    entry = JournalEntry.objects.get(source=f"payout:{statement_of(run, dealer).pk}")
    assert entry.kind == "payout"
    postings = {
        (p.account.party, p.account.kind): p.amount
        for p in Posting.objects.filter(entry=entry).select_related("account")
    }
    assert postings == {
        ("dealer", "payable"): Decimal("350.00"),  # debit: the platform owes it less
        ("platform", "bank"): Decimal("-350.00"),  # credit: the money left the bank
    }
    assert payable_balance(dealer) == Decimal("0")
    assert payable_balance(supplier_a) == Decimal("0")
    bank = Posting.objects.filter(account__party="platform", account__kind="bank")
    assert bank.aggregate(total=Sum("amount"))["total"] == Decimal("-1470.00")
    assert Posting.objects.aggregate(total=Sum("amount"))["total"] == 0


def test_a_doubled_payout_click_pays_once(run, dealer, manager):
    statement = statement_of(run, dealer)
    confirm(statement, dealer, manager)
    connection.set_schema_to_public()
    staff = platform_admin()
    services.statement_pay(statement_id=statement.pk, actor=staff, reference="T-1")
    services.statement_pay(statement_id=statement.pk, actor=staff, reference="T-1 again")

    assert JournalEntry.objects.filter(source=f"payout:{statement.pk}").count() == 1
    assert Posting.objects.filter(entry__source=f"payout:{statement.pk}").count() == 2
    statement.refresh_from_db()
    assert statement.payout_reference == "T-1"
    assert payable_balance(dealer) == Decimal("0")
    assert AuditLog.objects.filter(action="statement.paid").count() == 1


def test_a_negative_net_reverses_the_payout(dealer, supplier_a, manager):
    first = run_make(dealer=dealer, supplier=supplier_a, lines=[("300.00", "200.00")])
    line = RouteLine.objects.get()
    RouteLine.objects.filter(pk=line.pk).update(
        refunded_amount=Decimal("300.00"), refunded_supply=Decimal("200.00")
    )
    second = run_make(dealer=dealer, supplier=supplier_a, lines=[], day=DAY + dt.timedelta(days=1))
    owed, owing = statement_of(first, dealer), statement_of(second, dealer)
    assert (owed.net, owing.net) == (Decimal("100.00"), Decimal("-100.00"))

    staff = platform_admin()
    for statement in (owed, owing):
        confirm(statement, dealer, manager)
        connection.set_schema_to_public()
        services.statement_pay(statement_id=statement.pk, actor=staff, reference="R")

    reversed_postings = {
        p.account.kind: p.amount
        for p in Posting.objects.filter(entry__source=f"payout:{owing.pk}").select_related(
            "account"
        )
    }
    # The dealer paid the platform back: its payable is credited, the bank debited.
    assert reversed_postings == {"payable": Decimal("-100.00"), "bank": Decimal("100.00")}
    assert payable_balance(dealer) == Decimal("0")


def test_a_zero_net_is_paid_without_an_entry(run, dealer_b):
    statement = Statement.objects.create(
        run=run, party="dealer", tenant_id=dealer_b.pk, net=0, status=StatementStatus.CONFIRMED
    )
    services.statement_pay(statement_id=statement.pk, actor=platform_admin(), reference="none")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PAID
    assert not JournalEntry.objects.filter(source=f"payout:{statement.pk}").exists()


def test_the_platforms_own_statement_is_not_paid_out(run):
    platform = Statement.objects.get(run=run, party="platform")
    with pytest.raises(StatementError, match="The platform's own statement is not paid out."):
        services.statement_pay(statement_id=platform.pk, actor=platform_admin(), reference="x")


def test_the_party_hears_of_its_payout_in_its_own_schema(
    dealer, supplier_a, django_capture_on_commit_callbacks
):
    from django_tenants.utils import tenant_context

    from accounts.models import Notification, Role
    from settlement.services import statement_notify
    from tests.accounts.helpers import member_make
    from tests.builders import platform_admin
    from tests.settlement.statement_helpers import run_make, statement_of

    run = run_make(dealer=dealer, supplier=supplier_a, lines=[("300.00", "200.00")])
    statement = statement_of(run, dealer)
    services.statement_confirm(statement_id=statement.pk, tenant=dealer, actor=None)
    manager = member_make(dealer, email="payout-news@delta.test", role=Role.MANAGER)
    with django_capture_on_commit_callbacks() as callbacks:
        services.statement_pay(statement_id=statement.pk, actor=platform_admin(), reference="PAY-7")
    assert len(callbacks) == 1  # the task that tells the dealer, queued after commit
    with tenant_context(dealer):
        assert statement_notify(statement_id=statement.pk) >= 1
        note = Notification.objects.get(recipient=manager)
        assert (
            "PAY-7" in note.title
            and note.link == f"/backoffice/earnings/statements/{statement.pk}/"
        )
