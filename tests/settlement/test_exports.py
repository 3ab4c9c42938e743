"""Statement exports: the CSV (streamed, UTF-8 with BOM) and the XLSX hold the same rows — one
per settled line, clawback and rebate — and a totals row whose amount is the statement's net."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from routing.models import RouteLine
from settlement.engine import settlement_run
from settlement.models import RebateTier
from tests.accounts.helpers import english
from tests.settlement.statement_helpers import DAY, backoffice_client, run_make, statement_of

pytestmark = pytest.mark.usefixtures("english")
_ = english

DEALER_URL = "/backoffice/earnings/statements/{pk}/export.{ext}"
SUPPLIER_URL = "/settlement/statements/{pk}/export.{ext}"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens the Chinese text as UTF-8
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def run(dealer, supplier_a):
    return run_make(
        dealer=dealer,
        supplier=supplier_a,
        lines=[("1000.00", "800.00", 2), ("500.00", "350.00")],
    )


def test_the_dealers_csv_has_each_line_and_a_totals_row_equal_to_its_net(run, dealer, host_client):
    statement = statement_of(run, dealer)
    numbers = list(
        RouteLine.objects.order_by("pk").values_list("route__dealer_order_number", "sku_code")
    )
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)

    response = client.get(DEALER_URL.format(pk=statement.pk, ext="csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "Kind",
        "Order",
        "Supplier",
        "SKU",
        "Quantity",
        "Sales",
        "Supply cost",
        "Service fee",
        "Your earnings",
    ]
    supplier_name = "Acme Electronics 艾克美电子"
    assert rows[1:] == [
        ["Order line", numbers[0][0], supplier_name, numbers[0][1], "2"]
        + ["1000.00", "800.00", "0.00", "200.00"],
        ["Order line", numbers[1][0], supplier_name, numbers[1][1], "1"]
        + ["500.00", "350.00", "0.00", "150.00"],
        ["Total", "", "", "", "", "1500.00", "1150.00", "0.00", "350.00"],
    ]
    assert Decimal(rows[-1][-1]) == statement.net


def test_the_suppliers_csv_shows_supply_amounts_and_fees_not_the_dealers_prices(
    run, supplier_a, host_client
):
    statement = statement_of(run, supplier_a)
    client, _user = backoffice_client(host_client, supplier_a, role=Role.STAFF)

    rows = csv_rows(client.get(SUPPLIER_URL.format(pk=statement.pk, ext="csv")))

    assert rows[0] == [
        "Kind",
        "Order",
        "Dealer",
        "SKU",
        "Quantity",
        "Supply amount",
        "Service fee",
        "Owed to you",
    ]
    assert [row[5:] for row in rows[1:]] == [
        ["800.00", "20.00", "780.00"],
        ["350.00", "10.00", "340.00"],
        ["1150.00", "30.00", "1120.00"],
    ]
    assert rows[1][2] == "Delta Trading 德尔塔商贸"
    assert rows[1][1].startswith("S")  # the supplier's own order number
    assert "1000.00" not in str(rows)  # what the buyer paid the dealer is not the supplier's
    assert Decimal(rows[-1][-1]) == statement.net


def test_the_xlsx_holds_the_same_rows_as_numbers(run, dealer, host_client):
    statement = statement_of(run, dealer)
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)

    response = client.get(DEALER_URL.format(pk=statement.pk, ext="xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = xlsx_rows(response)
    csv_version = csv_rows(client.get(DEALER_URL.format(pk=statement.pk, ext="csv")))
    assert len(rows) == len(csv_version) == 4
    assert rows[0] == csv_version[0]
    assert rows[1][4:] == [2, 1000, 800, 0, 200]
    assert rows[-1] == ["Total", None, None, None, None, 1500, 1150, 0, 350]


def test_clawbacks_and_rebates_are_rows_and_the_total_is_still_the_net(
    dealer, supplier_a, host_client
):
    RebateTier.objects.create(supplier=supplier_a, min_volume=Decimal("100"), percent=Decimal("2"))
    first = run_make(dealer=dealer, supplier=supplier_a, lines=[("300.00", "200.00")])
    RouteLine.objects.update(refunded_amount=Decimal("30.00"), refunded_supply=Decimal("20.00"))
    second = run_make(dealer=dealer, supplier=supplier_a, lines=[], day=DAY + dt.timedelta(days=1))
    month = settlement_run(kind="monthly", period_start=DAY.replace(day=1))
    client, _user = backoffice_client(host_client, dealer, role=Role.STAFF)

    clawback = csv_rows(
        client.get(DEALER_URL.format(pk=statement_of(second, dealer).pk, ext="csv"))
    )
    assert clawback[1][0] == "Clawback of a refund"
    assert clawback[1][5:] == ["-30.00", "-20.00", "0.00", "-10.00"]
    assert clawback[-1][-1] == "-10.00" == f"{statement_of(second, dealer).net:.2f}"

    # The month's rebate: 2 % of the purchases (200 − 20 clawed back) = 3.60.
    rebate = csv_rows(client.get(DEALER_URL.format(pk=statement_of(month, dealer).pk, ext="csv")))
    assert rebate[1][0] == "Rebate"
    assert rebate[1][2] == "Acme Electronics 艾克美电子"
    assert rebate[1][-1] == "3.60"
    assert rebate[-1][-1] == f"{statement_of(month, dealer).net:.2f}" == "3.60"
    assert first.pk != second.pk


def test_exports_of_another_partys_statement_are_404(
    run, dealer, dealer_b, supplier_a, supplier_b, host_client
):
    dealer_statement = statement_of(run, dealer)
    supplier_statement = statement_of(run, supplier_a)
    for ext in ("csv", "xlsx"):
        dealer_path = DEALER_URL.format(pk=dealer_statement.pk, ext=ext)
        supplier_path = SUPPLIER_URL.format(pk=supplier_statement.pk, ext=ext)
        for tenant in (dealer_b, supplier_a, supplier_b):
            client, _user = backoffice_client(
                host_client, tenant, role=Role.OWNER, email=f"owner-{ext}@{tenant.slug}.test"
            )
            assert client.get(dealer_path).status_code == 404, (tenant.slug, ext)
        for tenant in (supplier_b, dealer, dealer_b):
            client, _user = backoffice_client(
                host_client, tenant, role=Role.OWNER, email=f"owner2-{ext}@{tenant.slug}.test"
            )
            assert client.get(supplier_path).status_code == 404, (tenant.slug, ext)
        # At home they answer.
        home, _user = backoffice_client(
            host_client, dealer, role=Role.STAFF, email=f"home-{ext}@delta.test"
        )
        assert home.get(dealer_path).status_code == 200
