"""The workflow from the pages: the party confirms or disputes at its backoffice (managers and
up), the platform resolves and records payouts in the admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from settlement.models import JournalEntry, StatementStatus
from tests.accounts.helpers import english
from tests.builders import platform_admin
from tests.settlement.statement_helpers import (
    backoffice_client,
    payable_balance,
    run_make,
    statement_of,
)

pytestmark = pytest.mark.usefixtures("english")
_ = english


@pytest.fixture
def run(dealer, supplier_a):
    return run_make(dealer=dealer, supplier=supplier_a, lines=[("1000.00", "800.00")])


def url(statement, action="") -> str:
    return f"/backoffice/earnings/statements/{statement.pk}/" + (f"{action}/" if action else "")


def test_a_manager_confirms_and_a_doubled_post_confirms_once(run, dealer, host_client):
    statement = statement_of(run, dealer)
    client, _user = backoffice_client(host_client, dealer, role=Role.MANAGER)
    page = client.get(url(statement)).content.decode()
    assert "Confirm the statement" in page and "Dispute the statement" in page

    first = client.post(url(statement, "confirm"), follow=True)
    second = client.post(url(statement, "confirm"), follow=True)

    assert "You confirmed the statement." in first.content.decode()
    assert second.status_code == 200
    statement.refresh_from_db()
    assert statement.status == StatementStatus.CONFIRMED
    with tenant_context(dealer):
        assert AuditLog.objects.filter(action="statement.confirmed").count() == 1
    assert "Confirm the statement" not in second.content.decode()


def test_staff_see_the_statement_but_may_not_confirm_it(run, dealer, host_client):
    statement = statement_of(run, dealer)
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)
    page = client.get(url(statement))
    assert page.status_code == 200
    assert "Confirm the statement" not in page.content.decode()
    assert client.post(url(statement, "confirm")).status_code == 403
    assert client.post(url(statement, "dispute"), {"comment": "x"}).status_code == 403
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ISSUED


def test_a_dispute_without_a_comment_is_refused_and_with_one_is_recorded(run, dealer, host_client):
    statement = statement_of(run, dealer)
    client, _user = backoffice_client(host_client, dealer, role=Role.OWNER)

    refused = client.post(url(statement, "dispute"), {"comment": "  "})
    assert refused.status_code == 400
    assert "Say what is wrong with the statement." in refused.content.decode()
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ISSUED

    done = client.post(url(statement, "dispute"), {"comment": "One unit was damaged."}, follow=True)
    html = done.content.decode()
    assert "You disputed the statement; the platform will resolve it." in html
    assert "One unit was damaged." in html
    statement.refresh_from_db()
    assert (statement.status, statement.comment) == (
        StatementStatus.DISPUTED,
        "One unit was damaged.",
    )


def test_a_supplier_confirms_its_own_statement_at_its_domain(run, supplier_a, host_client):
    statement = statement_of(run, supplier_a)
    client, _user = backoffice_client(host_client, supplier_a, role=Role.MANAGER)
    response = client.post(f"/settlement/statements/{statement.pk}/confirm/")
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == StatementStatus.CONFIRMED


def _admin_action(client, action, statements, **data):
    return client.post(
        "/admin/settlement/statement/",
        {
            "action": action,
            helpers.ACTION_CHECKBOX_NAME: [s.pk for s in statements],
            "index": 0,
            **data,
        },
        follow=True,
    )


def test_the_platform_resolves_and_pays_in_the_admin(run, dealer, supplier_a, platform_client):
    dealer_statement, supplier_statement = statement_of(run, dealer), statement_of(run, supplier_a)
    from settlement import services

    services.statement_dispute(
        statement_id=dealer_statement.pk, tenant=dealer, actor=None, comment="Short."
    )
    services.statement_confirm(statement_id=supplier_statement.pk, tenant=supplier_a, actor=None)
    connection.set_schema_to_public()
    platform_client.force_login(platform_admin())

    # The list with its filters.
    listing = platform_client.get("/admin/settlement/statement/?status__exact=disputed")
    assert listing.status_code == 200
    assert "Delta Trading" in listing.content.decode()

    # Resolve: a form first; without a resolution nothing happens.
    form = _admin_action(platform_client, "resolve_selected", [dealer_statement])
    assert "Resolution" in form.content.decode()
    empty = _admin_action(
        platform_client, "resolve_selected", [dealer_statement], apply="yes", resolution=""
    )
    assert "Write how the dispute was resolved." in empty.content.decode()
    _admin_action(
        platform_client,
        "resolve_selected",
        [dealer_statement],
        apply="yes",
        resolution="Refund agreed.",
    )
    dealer_statement.refresh_from_db()
    assert dealer_statement.status == StatementStatus.RESOLVED

    # Pay both; a second payout of the same statements is refused and pays nothing more.
    paid = _admin_action(
        platform_client,
        "pay_selected",
        [dealer_statement, supplier_statement],
        apply="yes",
        reference="BANK-77",
    )
    assert "Paid:" in paid.content.decode()
    again = _admin_action(
        platform_client,
        "pay_selected",
        [dealer_statement],
        apply="yes",
        reference="BANK-78",
    )
    assert again.status_code == 200
    assert JournalEntry.objects.filter(kind="payout").count() == 2
    assert payable_balance(dealer) == 0 and payable_balance(supplier_a) == 0
    dealer_statement.refresh_from_db()
    assert dealer_statement.payout_reference == "BANK-77"


def test_the_admin_shows_ledger_balances_and_runs(run, platform_client):
    connection.set_schema_to_public()
    platform_client.force_login(platform_admin())
    accounts = platform_client.get("/admin/settlement/ledgeraccount/")
    assert accounts.status_code == 200
    html = accounts.content.decode()
    # Debit +, credit −: the buyers' money held, the dealer's margin and the supplier's share owed.
    assert '<td class="field-balance">1000.00</td>' in html
    assert '<td class="field-balance">-200.00</td>' in html
    assert '<td class="field-balance">-780.00</td>' in html
    runs = platform_client.get("/admin/settlement/settlementrun/")
    assert runs.status_code == 200
    assert "2031" in runs.content.decode()
    settings_page = platform_client.get("/admin/settlement/settlementsettings/", follow=True)
    assert settings_page.status_code == 200


def test_the_platform_exports_its_own_statement_from_the_admin(run, platform_client):
    import csv
    import io

    from settlement.models import Statement

    platform = Statement.objects.get(run=run, party="platform")
    platform_client.force_login(platform_admin())
    response = platform_client.post(
        "/admin/settlement/statement/",
        {"action": "export_csv", helpers.ACTION_CHECKBOX_NAME: [platform.pk], "index": 0},
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    # One row per settled line, then the total: the platform's fees, the statement's net.
    assert len(rows) == 1 + run.lines + 1
    assert Decimal(rows[-1][-1]) == platform.net
    xlsx = platform_client.post(
        "/admin/settlement/statement/",
        {"action": "export_xlsx", helpers.ACTION_CHECKBOX_NAME: [platform.pk], "index": 0},
    )
    assert xlsx["Content-Disposition"].startswith("attachment")
