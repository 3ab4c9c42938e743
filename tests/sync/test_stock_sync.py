"""Stock batches from an ERP: the service, the DRF API with its tokens, and the CSV upload page."""

import json

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from supplychain import sync
from supplychain.api.tokens import api_token_create, api_token_revoke, key_hash
from supplychain.models import ApiToken, StockLevel, StockSyncBatch
from supplychain.services import stock_set
from tests.suppliers.builders import phone_build, warehouse_build

API = "/api/v1/stock-sync/"


def _levels() -> dict[tuple[str, str], int]:
    return {
        (code, warehouse): on_hand
        for code, warehouse, on_hand in StockLevel.objects.values_list(
            "sku__code", "warehouse__code", "on_hand"
        )
    }


@pytest.fixture
def stocked(supplier_a, categories):
    """acme: SKUs S-1-1, S-1-2 (and S-2-1, S-2-2), warehouses SH01 and BJ01, some stock."""
    with tenant_context(supplier_a):
        phone_build(code="S-1")
        phone_build(code="S-2")
        shanghai = warehouse_build(code="SH01")
        warehouse_build(code="BJ01", name="北京仓")
        from suppliers.models import Sku

        stock_set(actor=None, sku=Sku.objects.get(code="S-1-1"), warehouse=shanghai, on_hand=5)
        level = StockLevel.objects.get(sku__code="S-1-1", warehouse=shanghai)
        StockLevel.objects.filter(pk=level.pk).update(reserved=4)  # held for orders
    return supplier_a


# --- The service ---------------------------------------------------------------------------------


def test_a_batch_sets_on_hand_creating_missing_rows(stocked):
    with tenant_context(stocked):
        result = sync.stock_sync_apply(
            sync_id="erp-1",
            items=[
                {"sku": "S-1-1", "warehouse": "SH01", "on_hand": 40},
                {"sku": "S-1-2", "warehouse": "BJ01", "on_hand": 7},  # no row yet
                {"sku": "S-2-1", "warehouse": "SH01", "on_hand": "12"},  # digits as text (CSV)
                {"sku": "S-2-2", "warehouse": "SH01", "on_hand": 0},  # 0 on a new row: unchanged
            ],
        )
        assert (result.rows, result.changed, result.duplicate) == (4, 3, False)
        levels = _levels()
        assert levels[("S-1-1", "SH01")] == 40
        assert levels[("S-1-2", "BJ01")] == 7
        assert levels[("S-2-1", "SH01")] == 12
        assert StockLevel.objects.get(sku__code="S-1-1", warehouse__code="SH01").reserved == 4
        batch = StockSyncBatch.objects.get(sync_id="erp-1")
        assert (batch.rows, batch.changed) == (4, 3)
        audit = AuditLog.objects.get(action="stock.synced")
        assert audit.data["changed"] == 3
        assert {"sku": "S-1-1", "warehouse": "SH01", "on_hand": [5, 40]} in audit.data["changes"]


def test_the_same_sync_id_twice_has_one_effect(stocked):
    items = [{"sku": "S-1-1", "warehouse": "SH01", "on_hand": 40}]
    with tenant_context(stocked):
        first = sync.stock_sync_apply(sync_id="erp-twice", items=items)
        # Stock moves on (a count in the warehouse) before the ERP resends its old batch.
        stock_set(
            actor=None,
            sku=StockLevel.objects.get(sku__code="S-1-1").sku,
            warehouse=warehouse_build(code="SH01"),
            on_hand=33,
        )
        again = sync.stock_sync_apply(sync_id="erp-twice", items=items)
        assert again.duplicate and not first.duplicate
        assert again.as_dict() == {**first.as_dict(), "duplicate": True}
        assert _levels()[("S-1-1", "SH01")] == 33  # the repeat did not set 40 again
        assert StockSyncBatch.objects.filter(sync_id="erp-twice").count() == 1
        assert AuditLog.objects.filter(action="stock.synced").count() == 1


def test_a_bad_batch_changes_nothing_and_lists_every_problem(stocked):
    items = [
        {"sku": "S-1-2", "warehouse": "SH01", "on_hand": 9},  # fine on its own
        {"sku": "NOPE", "warehouse": "SH01", "on_hand": 1},
        {"sku": "S-2-1", "warehouse": "XX99", "on_hand": 1},
        {"sku": "S-2-1", "warehouse": "SH01", "on_hand": -3},
        {"sku": "S-2-2", "warehouse": "SH01", "on_hand": "many"},
        {"sku": "S-1-2", "warehouse": "SH01", "on_hand": 8},  # same pair as row 0
        {"warehouse": "SH01", "on_hand": 1},
        "not an object",
    ]
    with tenant_context(stocked):
        before = _levels()
        with pytest.raises(sync.StockSyncRejected) as rejected:
            sync.stock_sync_apply(sync_id="erp-bad", items=items)
        problems = [(p.row, p.field) for p in rejected.value.problems]
        assert problems == [
            (1, "sku"),
            (2, "warehouse"),
            (3, "on_hand"),
            (4, "on_hand"),
            (5, "sku"),
            (6, "sku"),
            (7, ""),
        ]
        messages = [p.message for p in rejected.value.problems]
        assert "There is no SKU with the code “NOPE”." in messages
        assert "There is no warehouse with the code “XX99”." in messages
        assert "S-1-2 in SH01 appears more than once in this batch." in messages
        assert _levels() == before
        assert not StockSyncBatch.objects.filter(sync_id="erp-bad").exists()

        # Below what is reserved for orders: the whole batch again, found after locking the rows.
        with pytest.raises(sync.StockSyncRejected) as rejected:
            sync.stock_sync_apply(
                sync_id="erp-bad",
                items=[
                    {"sku": "S-1-2", "warehouse": "SH01", "on_hand": 9},
                    {"sku": "S-1-1", "warehouse": "SH01", "on_hand": 3},
                ],
            )
        (problem,) = rejected.value.problems
        assert (problem.row, problem.field) == (1, "on_hand")
        assert "cannot be below the 4 units reserved" in problem.message
        assert _levels() == before

        # The corrected batch, with the same sync id, is applied: a rejected batch left no trace.
        result = sync.stock_sync_apply(
            sync_id="erp-bad", items=[{"sku": "S-1-2", "warehouse": "SH01", "on_hand": 9}]
        )
        assert not result.duplicate and _levels()[("S-1-2", "SH01")] == 9


def test_batches_are_limited_in_size_and_need_a_sync_id(stocked):
    row = {"sku": "S-1-1", "warehouse": "SH01", "on_hand": 1}
    with tenant_context(stocked):
        with pytest.raises(sync.StockSyncRejected) as rejected:
            sync.stock_sync_apply(sync_id="erp-big", items=[row] * (sync.MAX_BATCH_ROWS + 1))
        assert "at most 10,000 rows" in rejected.value.problems[0].message
        for bad_id in ("", "has space", "x" * 65, None):
            with pytest.raises(sync.StockSyncRejected):
                sync.stock_sync_apply(sync_id=bad_id, items=[row])
        assert not StockSyncBatch.objects.exists()


# --- The API -------------------------------------------------------------------------------------


@pytest.fixture
def api(stocked, acme_team, host_client):
    """A client for acme's API and a fresh key."""
    with tenant_context(stocked):
        token, key = api_token_create(actor=acme_team[Role.OWNER], name="Kingdee ERP")
    client = host_client(stocked)
    client.token, client.key = token, key
    return client


def _post(client, body, key=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    # The platform answers in Chinese by default; these tests read the English messages.
    extra.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
    return client.post(API, json.dumps(body), content_type="application/json", **headers, **extra)


def test_the_api_applies_a_batch_and_answers_a_repeat_with_the_first_result(api, stocked):
    body = {"sync_id": "api-1", "items": [{"sku": "S-1-2", "warehouse": "BJ01", "on_hand": 21}]}
    response = _post(api, body, api.key)
    assert response.status_code == 201
    first = response.json()
    assert first["applied"] is True and first["duplicate"] is False
    assert (first["rows"], first["changed"], first["unchanged"]) == (1, 1, 0)

    repeat = _post(api, body, api.key)
    assert repeat.status_code == 200
    assert repeat.json() == {**first, "duplicate": True}
    with tenant_context(stocked):
        assert _levels()[("S-1-2", "BJ01")] == 21
        batch = StockSyncBatch.objects.get(sync_id="api-1")
        assert batch.token_id == api.token.pk and batch.source == "api"
        api.token.refresh_from_db()
        assert api.token.last_used_at is not None
        assert AuditLog.objects.get(action="stock.synced").actor_label.startswith("API: Kingdee")


def test_the_api_rejects_a_bad_batch_with_the_error_list(api, stocked):
    body = {
        "sync_id": "api-bad",
        "items": [
            {"sku": "S-1-2", "warehouse": "BJ01", "on_hand": 21},
            {"sku": "S-1-2", "warehouse": "BJ01", "on_hand": -1},
        ],
    }
    response = _post(api, body, api.key)
    assert response.status_code == 400
    assert response.json() == {
        "sync_id": "api-bad",
        "applied": False,
        "errors": [
            {
                "row": 1,
                "field": "on_hand",
                "message": "On hand must be a whole number of 0 or more.",
            }
        ],
    }
    with tenant_context(stocked):
        assert ("S-1-2", "BJ01") not in _levels()
    malformed = _post(api, {"sync_id": "api-x", "items": "nope"}, api.key)
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "items"
    empty = _post(api, {"items": []}, api.key)
    assert {e["field"] for e in empty.json()["errors"]} == {"sync_id", "items"}


def test_missing_wrong_and_revoked_tokens_are_refused(api, stocked, acme_team):
    body = {"sync_id": "api-auth", "items": [{"sku": "S-1-2", "warehouse": "BJ01", "on_hand": 5}]}
    missing = _post(api, body)
    assert missing.status_code == 401 and missing["WWW-Authenticate"] == "Token"
    assert _post(api, body, "s2b_" + "x" * 43).status_code == 401
    assert _post(api, body, api.key[:-1]).status_code == 401
    bearer = api.post(
        API,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert bearer.status_code == 401
    with tenant_context(stocked):
        api_token_revoke(actor=acme_team[Role.OWNER], token_id=api.token.pk)
    revoked = _post(api, body, api.key)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    with tenant_context(stocked):
        assert ("S-1-2", "BJ01") not in _levels()
        assert not StockSyncBatch.objects.exists()


def test_a_signed_in_session_is_not_an_api_token(stocked, signed_in):
    client = signed_in(stocked, Role.OWNER)
    body = {"sync_id": "api-sess", "items": [{"sku": "S-1-2", "warehouse": "BJ01", "on_hand": 5}]}
    assert _post(client, body).status_code == 401


def test_a_token_of_supplier_a_does_not_work_at_supplier_b(
    api, stocked, supplier_b, dealer, host_client
):
    with tenant_context(supplier_b):
        phone_build(code="S-1")  # beta has a SKU with the same code
        warehouse_build(code="BJ01")
    body = {"sync_id": "api-cross", "items": [{"sku": "S-1-2", "warehouse": "BJ01", "on_hand": 5}]}
    at_beta = _post(host_client(supplier_b), body, api.key)
    assert at_beta.status_code == 401
    with tenant_context(supplier_b):
        assert _levels() == {} and not StockSyncBatch.objects.exists()
    # Dealers have no stock API at all.
    assert _post(host_client(dealer), body, api.key).status_code == 404
    # At home the same request works.
    assert _post(api, body, api.key).status_code == 201


def test_tokens_are_stored_hashed(api, stocked):
    with tenant_context(stocked):
        stored = ApiToken.objects.get(pk=api.token.pk)
    assert stored.key_hash == key_hash(api.key) and api.key not in stored.key_hash
    assert stored.prefix == api.key[:12]
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(*) FROM "{stocked.schema_name}".supplychain_apitoken WHERE '
            "name = %s OR prefix = %s OR key_hash = %s",
            [api.key, api.key, api.key],
        )
        assert cursor.fetchone()[0] == 0


# --- Backoffice pages: tokens and CSV upload -------------------------------------------------------


def test_the_owner_creates_a_token_sees_the_key_once_and_revokes_it(stocked, signed_in):
    client = signed_in(stocked, Role.OWNER)
    response = client.post("/api-tokens/", {"name": "SAP Business One"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    key = response.context["new_key"]
    assert key.startswith("s2b_") and key in response.content.decode()
    listing = client.get("/api-tokens/").content.decode()
    assert "SAP Business One" in listing and key not in listing and key[:12] in listing
    body = {"sync_id": "page-token", "items": [{"sku": "S-1-2", "warehouse": "SH01", "on_hand": 2}]}
    assert _post(client, body, key).status_code == 201

    token = response.context["new_token"]
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    assert _post(client, {**body, "sync_id": "page-token-2"}, key).status_code == 401
    with tenant_context(stocked):
        assert AuditLog.objects.filter(action="api_token.revoked").count() == 1


def test_only_owners_manage_tokens(stocked, signed_in):
    client = signed_in(stocked, Role.MANAGER)
    assert client.get("/api-tokens/").status_code == 403
    assert client.post("/api-tokens/", {"name": "sneaky"}).status_code == 403
    with tenant_context(stocked):
        assert not ApiToken.objects.exists()


def _csv(text: str, name="stock.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_a_csv_upload_applies_stock_and_the_same_file_only_once(stocked, signed_in):
    client = signed_in(stocked, Role.STAFF)
    text = "sku,warehouse,on_hand\nS-1-2,SH01,30\n\nS-2-1,BJ01,4\n"
    response = client.post("/stock-sync/", {"file": _csv(text)}, follow=True)
    assert "Stock batch applied: 2 row(s), 2 changed." in response.content.decode()
    with tenant_context(stocked):
        assert _levels()[("S-1-2", "SH01")] == 30
        stock_set(
            actor=None,
            sku=StockLevel.objects.get(sku__code="S-1-2").sku,
            warehouse=warehouse_build(code="SH01"),
            on_hand=1,
        )
    again = client.post("/stock-sync/", {"file": _csv(text)}, follow=True).content.decode()
    assert "was already applied" in again
    with tenant_context(stocked):
        assert _levels()[("S-1-2", "SH01")] == 1
        (batch,) = StockSyncBatch.objects.all()
        assert batch.source == "csv" and batch.sync_id.startswith("csv-")
    # With a sync id of its own the same file applies again.
    client.post("/stock-sync/", {"file": _csv(text), "sync_id": "count-2026-11"})
    with tenant_context(stocked):
        assert _levels()[("S-1-2", "SH01")] == 30
    assert "count-2026-11" in client.get("/stock-sync/").content.decode()


def test_a_csv_with_errors_names_the_lines_and_changes_nothing(stocked, signed_in):
    client = signed_in(stocked, Role.STAFF)
    text = "sku,warehouse,on_hand\nS-1-2,SH01,30\n\nNOPE,SH01,4\nS-2-1,SH01,-2\n"
    response = client.post("/stock-sync/", {"file": _csv(text)})
    assert response.status_code == 400
    problems = [(p["line"], p["field"]) for p in response.context["problems"]]
    assert problems == [(4, "sku"), (5, "on_hand")]  # blank line 3 is skipped, lines kept
    page = response.content.decode()
    assert "Nothing was applied" in page and "There is no SKU with the code “NOPE”." in page
    with tenant_context(stocked):
        assert ("S-1-2", "SH01") not in _levels()
    wrong_header = client.post("/stock-sync/", {"file": _csv("code,qty\nS-1-2,3\n")})
    assert wrong_header.status_code == 400
    assert "must name the columns sku, warehouse, on_hand" in wrong_header.content.decode()
