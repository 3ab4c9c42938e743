"""A supplier sets its own tiered monthly rebates; the monthly run pays them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Role
from settlement.models import RebateTier
from tests.accounts.helpers import english
from tests.settlement.statement_helpers import backoffice_client

pytestmark = pytest.mark.usefixtures("english")
_ = english


def _post(client, rows):
    data = {"tiers-TOTAL_FORMS": str(len(rows)), "tiers-INITIAL_FORMS": "0"}
    for n, (volume, percent) in enumerate(rows):
        data[f"tiers-{n}-min_volume"] = volume
        data[f"tiers-{n}-percent"] = percent
    return client.post("/settlement/rebates/", data)


def _tiers(supplier):
    return list(
        RebateTier.objects.filter(supplier=supplier)
        .order_by("min_volume")
        .values_list("min_volume", "percent")
    )


def test_a_manager_sets_the_tiers_and_empty_rows_remove_them(supplier_a, host_client):
    client, _user = backoffice_client(host_client, supplier_a, role=Role.MANAGER)
    assert client.get("/settlement/rebates/").status_code == 200
    saved = _post(client, [("1000000", "2"), ("500000", "1"), ("", "")])
    assert saved.status_code == 302
    assert _tiers(supplier_a) == [
        (Decimal("500000.00"), Decimal("1.00")),
        (Decimal("1000000.00"), Decimal("2.00")),
    ]
    _post(client, [("500000", "1.5"), ("", "")])
    assert _tiers(supplier_a) == [(Decimal("500000.00"), Decimal("1.50"))]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("500000", "2"), ("1000000", "1")], "cannot earn a lower rebate"),
        ([("500000", "1"), ("500000", "2")], "same monthly purchase volume"),
        ([("500000", "")], "Fill in both"),
        ([("500000", "120")], "less than or equal to 100"),
    ],
)
def test_bad_tiers_are_explained_and_change_nothing(supplier_a, host_client, rows, message):
    RebateTier.objects.create(supplier=supplier_a, min_volume=Decimal("1"), percent=Decimal("1"))
    client, _user = backoffice_client(host_client, supplier_a, role=Role.MANAGER)
    response = _post(client, rows)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _tiers(supplier_a) == [(Decimal("1.00"), Decimal("1.00"))]


def test_staff_may_not_change_the_tiers(supplier_a, host_client):
    client, _user = backoffice_client(host_client, supplier_a, role=Role.STAFF)
    assert _post(client, [("1", "1")]).status_code == 403
    assert _tiers(supplier_a) == []
