"""Publishing products to dealers: what the supply catalogue (public schema) receives."""

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from catalog.models import DealerAuthorisation, OfferAudience, OfferStatus, SupplyOffer
from catalog.search import query_text
from suppliers import publishing, services
from supplychain.models import StockLevel
from supplychain.services import stock_set, warehouse_update
from tests.builders import image_bytes, upload
from tests.suppliers.builders import phone_build, warehouse_build

D = Decimal


def _offer(supplier, product) -> SupplyOffer:
    return SupplyOffer.objects.prefetch_related("skus").get(
        supplier=supplier, product_id=product.pk
    )


def _stocked_phone(code="PUB-1"):
    """A listed phone with two SKUs; stock in two active warehouses and an inactive one."""
    product = phone_build(code=code, listed=True)
    sku1, sku2 = product.skus.order_by("position")
    shanghai, beijing = warehouse_build(code="SH01"), warehouse_build(code="BJ01", name="北京仓")
    closed = warehouse_build(code="GZ01", name="广州仓")
    warehouse_update(actor=None, warehouse=closed, is_active=False)
    stock_set(actor=None, sku=sku1, warehouse=shanghai, on_hand=10)
    stock_set(actor=None, sku=sku1, warehouse=beijing, on_hand=5)
    stock_set(actor=None, sku=sku2, warehouse=shanghai, on_hand=3)
    stock_set(actor=None, sku=sku1, warehouse=closed, on_hand=100)  # ships nothing: not offered
    # Two units of SKU 1 in Shanghai are held for an order (the order flow writes ``reserved``).
    StockLevel.objects.filter(sku=sku1, warehouse=shanghai).update(reserved=2)
    return product, sku1, sku2


def test_publishing_writes_the_offer_with_prices_tiers_variants_parameters_and_stock(
    supplier_a, categories
):
    with tenant_context(supplier_a):
        product, sku1, sku2 = _stocked_phone()
        offer = publishing.product_publish(
            actor=None, product=product, audience=OfferAudience.ALL_DEALERS
        )
        product.refresh_from_db()
        assert product.published_audience == OfferAudience.ALL_DEALERS
        assert product.published_at is not None
        assert AuditLog.objects.filter(
            action="product.published", target_id=str(product.pk)
        ).exists()

    offer = _offer(supplier_a, product)
    assert offer.status == OfferStatus.PUBLISHED and offer.audience == OfferAudience.ALL_DEALERS
    assert (offer.code, offer.name, offer.brand, offer.unit, offer.moq) == (
        "PUB-1",
        "星河 X1 智能手机",
        "星河",
        "台",
        1,
    )
    assert offer.category.code == "smartphones"
    # Parameters carry their names from the category template, in the template's order.
    assert [(p["code"], p["name_zh"], p["name_en"], p["value"]) for p in offer.parameters] == [
        ("warranty_months", "保修期", "Warranty", "12"),
        ("screen_size", "屏幕尺寸", "Screen size", "6.1"),
        ("cpu", "处理器", "Processor", "骁龙 8 Gen 3"),
        ("battery", "电池容量", "Battery capacity", "5000"),
        ("network", "网络制式", "Network", "5G"),
    ]
    rows = {row.sku_id: row for row in offer.skus.all()}
    assert set(rows) == {sku1.pk, sku2.pk}
    first = rows[sku1.pk]
    assert (first.code, first.variant) == ("PUB-1-1", {"color": "黑色", "storage": "256GB"})
    assert (first.supply_price, first.min_resale_price, first.suggested_retail_price) == (
        D("1000.00"),
        D("1100.00"),
        D("2000.00"),
    )
    assert first.price_tiers == [
        {"min_quantity": 10, "unit_price": "950.00"},
        {"min_quantity": 50, "unit_price": "900.00"},
    ]
    # Available = on hand − reserved over the ACTIVE warehouses: 10 − 2 + 5 (Guangzhou is closed).
    assert first.available == 13 and first.is_active
    assert rows[sku2.pk].available == 3
    assert offer.available == 16
    assert offer.version == 1
    # Searchable at once, in Chinese and English (brand, category names).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM catalog_supplyoffer WHERE id = %s "
            "AND search_document @@ to_tsquery('simple', %s) "
            "AND search_document @@ to_tsquery('simple', %s)",
            [offer.pk, query_text("手机"), query_text("smartphone")],
        )
        assert cursor.fetchone()[0] == 1


def test_images_are_absolute_urls_served_at_the_suppliers_domain(
    supplier_a, categories, media_root, host_client
):
    with tenant_context(supplier_a):
        product = phone_build(code="PUB-IMG", listed=True)
        services.product_image_add(
            actor=None, product=product, upload=upload("phone.png", image_bytes(size=(80, 80)))
        )
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
    (image,) = _offer(supplier_a, product).images
    prefix = f"{supplier_a.base_url}/media/{supplier_a.schema_name}/products/{product.pk}/"
    assert image["url"].startswith(prefix) and image["thumb"].startswith(prefix)
    for url in (image["url"], image["thumb"]):
        path = url.removeprefix(supplier_a.base_url)
        response = host_client(supplier_a).get(path)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/")


def test_only_a_listed_product_with_an_active_sku_can_be_published(supplier_a, categories):
    with tenant_context(supplier_a):
        draft = phone_build(code="PUB-DRAFT")
        with pytest.raises(publishing.PublishError, match="not listed"):
            publishing.product_publish(
                actor=None, product=draft, audience=OfferAudience.ALL_DEALERS
            )
        draft.refresh_from_db()
        assert draft.published_audience == ""
        with pytest.raises(publishing.PublishError):
            publishing.product_publish(actor=None, product=draft, audience="everyone")
    assert not SupplyOffer.objects.filter(supplier=supplier_a, product_id=draft.pk).exists()


def test_delisting_withdraws_the_offer_and_relisting_brings_it_back(supplier_a, categories):
    with tenant_context(supplier_a):
        product, sku1, _sku2 = _stocked_phone(code="PUB-DL")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
        services.product_delist(actor=None, product=product)
        report = publishing.offer_sync_now(product_ids=[product.pk])
        assert report.offers_withdrawn == 1

    offer = _offer(supplier_a, product)
    assert offer.status == OfferStatus.WITHDRAWN and offer.available == 0
    assert not any(row.is_active or row.available for row in offer.skus.all())
    assert offer.version == 2

    with tenant_context(supplier_a):
        services.product_list(actor=None, product=product)
        publishing.offer_sync_now(product_ids=[product.pk])
    offer = _offer(supplier_a, product)
    assert offer.status == OfferStatus.PUBLISHED and offer.available == 16
    assert offer.version == 3


def test_deactivating_a_sku_takes_it_off_the_offer(supplier_a, categories):
    with tenant_context(supplier_a):
        product, sku1, sku2 = _stocked_phone(code="PUB-SKU")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
        services.sku_update(actor=None, sku=sku1, is_active=False)
        publishing.offer_sync_now(product_ids=[product.pk])
    offer = _offer(supplier_a, product)
    rows = {row.sku_id: row for row in offer.skus.all()}
    assert not rows[sku1.pk].is_active and rows[sku1.pk].available == 0
    assert rows[sku2.pk].is_active and offer.available == 3
    assert offer.status == OfferStatus.PUBLISHED

    # The last active SKU gone: nothing left to sell, the offer is withdrawn.
    with tenant_context(supplier_a):
        services.sku_update(actor=None, sku=sku2, is_active=False)
        publishing.offer_sync_now(product_ids=[product.pk])
    assert _offer(supplier_a, product).status == OfferStatus.WITHDRAWN


def test_a_price_change_reaches_the_offer_and_an_idle_sync_changes_nothing(supplier_a, categories):
    with tenant_context(supplier_a):
        product, sku1, _sku2 = _stocked_phone(code="PUB-PRICE")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
        services.sku_prices_set(
            actor=None,
            sku=sku1,
            supply_price=D("1200.00"),
            min_resale_price=D("1300.00"),
            suggested_retail_price=D("2100.00"),
            tiers=[(20, D("1150.00"))],
        )
        first = publishing.offer_sync_now(product_ids=[product.pk])
        again = publishing.offer_sync_now(product_ids=[product.pk])
    assert (first.offers_changed, first.skus_written) == (1, 1)  # only the changed SKU row
    assert (again.offers_changed, again.skus_written) == (0, 0)
    offer = _offer(supplier_a, product)
    row = offer.skus.get(sku_id=sku1.pk)
    assert (row.supply_price, row.min_resale_price, row.suggested_retail_price) == (
        D("1200.00"),
        D("1300.00"),
        D("2100.00"),
    )
    assert row.price_tiers == [{"min_quantity": 20, "unit_price": "1150.00"}]
    assert offer.version == 2


def test_deactivating_a_warehouse_takes_its_stock_off_the_offer(supplier_a, categories):
    with tenant_context(supplier_a):
        product, _sku1, _sku2 = _stocked_phone(code="PUB-WH")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
        beijing = warehouse_build(code="BJ01")
        warehouse_update(actor=None, warehouse=beijing, is_active=False)
        publishing.offer_sync_now(product_ids=[product.pk])
    assert _offer(supplier_a, product).available == 11


def test_withdrawing_takes_the_offer_out_at_once(supplier_a, categories):
    with tenant_context(supplier_a):
        product, _sku1, _sku2 = _stocked_phone(code="PUB-WD")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
        publishing.product_withdraw(actor=None, product=product)
        product.refresh_from_db()
        assert product.published_audience == "" and product.published_at is None
        assert AuditLog.objects.filter(action="product.withdrawn").exists()
    offer = _offer(supplier_a, product)
    assert offer.status == OfferStatus.WITHDRAWN and offer.available == 0
    assert not offer.skus.filter(is_active=True).exists()


def test_authorising_dealers_one_by_one(supplier_a, supplier_b, dealer, dealer_b, categories):
    with tenant_context(supplier_a):
        product, _sku1, _sku2 = _stocked_phone(code="PUB-AUTH")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.AUTHORISED)
        added, removed = publishing.dealer_authorisations_update(
            actor=None, authorise=[dealer.pk, supplier_b.pk], revoke=[]
        )
        assert (added, removed) == ([dealer.name], [])  # a supplier is not a dealer
        assert AuditLog.objects.filter(action="dealer.authorisation_changed").count() == 1
    pairs = set(DealerAuthorisation.objects.values_list("supplier_id", "dealer_id"))
    assert (supplier_a.pk, dealer.pk) in pairs and (supplier_a.pk, dealer_b.pk) not in pairs
    offer = _offer(supplier_a, product)
    assert offer.audience == OfferAudience.AUTHORISED
    assert offer.version == 2  # storefront caches keyed on the version see the change

    with tenant_context(supplier_a):
        added, removed = publishing.dealer_authorisations_update(
            actor=None, authorise=[], revoke=[dealer.pk]
        )
    assert (added, removed) == ([], [dealer.name])
    assert not DealerAuthorisation.objects.filter(supplier=supplier_a, dealer=dealer).exists()


# --- Pages ----------------------------------------------------------------------------------------


def test_a_manager_publishes_and_withdraws_from_the_product_page(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build(code="PUB-PAGE", listed=True)
    detail = client.get(f"/products/{product.pk}/").content.decode()
    assert f"/products/{product.pk}/publishing/" in detail and "Publish to dealers" in detail

    page = client.get(f"/products/{product.pk}/publishing/")
    assert page.status_code == 200 and "Not published" in page.content.decode()
    response = client.post(
        f"/products/{product.pk}/publishing/", {"action": "publish", "audience": "authorised"}
    )
    assert response.status_code == 302
    page = client.get(f"/products/{product.pk}/publishing/").content.decode()
    assert "Authorised dealers only" in page and "PUB-PAGE-1" in page
    assert _offer(supplier_a, product).audience == OfferAudience.AUTHORISED

    client.post(f"/products/{product.pk}/publishing/", {"action": "withdraw"})
    assert _offer(supplier_a, product).status == OfferStatus.WITHDRAWN
    assert "Withdrawn" in client.get(f"/products/{product.pk}/publishing/").content.decode()


def test_publishing_a_draft_on_the_page_says_why_not(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build(code="PUB-DRAFT2")
    response = client.post(
        f"/products/{product.pk}/publishing/", {"action": "publish", "audience": "all"}
    )
    assert response.status_code == 400
    assert "list it before publishing it to dealers" in response.content.decode()


def test_staff_see_the_publishing_state_but_cannot_publish(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        product = phone_build(code="PUB-STAFF", listed=True)
    page = client.get(f"/products/{product.pk}/publishing/")
    assert page.status_code == 200 and 'value="publish"' not in page.content.decode()
    response = client.post(
        f"/products/{product.pk}/publishing/", {"action": "publish", "audience": "all"}
    )
    assert response.status_code == 403
    assert not SupplyOffer.objects.filter(supplier=supplier_a, product_id=product.pk).exists()
    assert client.get("/publishing/dealers/").status_code == 403


def test_the_publishing_list_shows_only_this_suppliers_offers_in_few_queries(
    supplier_a, supplier_b, categories, signed_in, django_assert_max_num_queries
):
    with tenant_context(supplier_b):
        product = phone_build(code="BETA-OFFER", name="贝塔专供手机", listed=True)
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
    with tenant_context(supplier_a):
        for index in range(12):
            product = phone_build(
                code=f"ACME-OFFER-{index}", name=f"艾克美手机 {index}", listed=True
            )
            publishing.product_publish(
                actor=None, product=product, audience=OfferAudience.ALL_DEALERS
            )
    client = signed_in(supplier_a, Role.STAFF)
    # domain, session, user, offers count, offer page, authorised count (+ SET search_path each)
    with django_assert_max_num_queries(12):
        response = client.get("/publishing/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "艾克美手机 11" in page and "贝塔专供手机" not in page
    assert len(response.context["offers"]) == 12


def test_the_dealer_page_authorises_the_ticked_dealers_of_the_page(
    supplier_a, supplier_b, dealer, dealer_b, categories, signed_in
):
    with tenant_context(supplier_b):
        publishing.dealer_authorisations_update(actor=None, authorise=[dealer_b.pk], revoke=[])
    client = signed_in(supplier_a, Role.MANAGER)
    page = client.get("/publishing/dealers/").content.decode()
    assert dealer.name in page and dealer_b.name in page
    assert supplier_b.name not in page  # suppliers are not dealers

    shown = [dealer.pk, dealer_b.pk]
    client.post("/publishing/dealers/", {"shown": shown, "authorised": [dealer.pk]})
    assert set(
        DealerAuthorisation.objects.filter(supplier=supplier_a).values_list("dealer_id", flat=True)
    ) == {dealer.pk}
    client.post("/publishing/dealers/", {"shown": shown, "authorised": [dealer_b.pk]})
    assert set(
        DealerAuthorisation.objects.filter(supplier=supplier_a).values_list("dealer_id", flat=True)
    ) == {dealer_b.pk}
    # beta's own choice is untouched
    assert DealerAuthorisation.objects.filter(supplier=supplier_b, dealer=dealer_b).exists()
    page = client.get("/publishing/dealers/").content.decode()
    assert f'value="{dealer_b.pk}" checked' in page


def test_a_stock_change_moves_only_the_availability_and_the_version(supplier_a, categories):
    with tenant_context(supplier_a):
        product, sku1, _sku2 = _stocked_phone(code="PUB-STOCK")
        publishing.product_publish(actor=None, product=product, audience=OfferAudience.ALL_DEALERS)
        before = _offer(supplier_a, product)
        stock_set(actor=None, sku=sku1, warehouse=warehouse_build(code="SH01"), on_hand=30)
        report = publishing.offer_sync_now(product_ids=[product.pk])
    assert (report.offers_changed, report.skus_written) == (1, 1)
    after = _offer(supplier_a, product)
    assert after.available == before.available + 20
    assert after.skus.get(sku_id=sku1.pk).available == 33
    assert after.version == before.version + 1 and after.updated_at > before.updated_at
    assert (after.name, after.parameters, after.published_at) == (
        before.name,
        before.parameters,
        before.published_at,
    )


def test_the_sync_task_takes_the_suppliers_dirty_set_and_syncs_it(supplier_a, categories):
    """The task's body, without a worker: the Redis handoff and the sync (see test_worker.py
    for the real worker)."""
    client = publishing._redis()
    dirty, stock_dirty, flag = publishing._keys(supplier_a.pk)
    try:
        with tenant_context(supplier_a):
            product, sku1, _sku2 = _stocked_phone(code="PUB-TASK")
            publishing.product_publish(
                actor=None, product=product, audience=OfferAudience.ALL_DEALERS
            )
            stock_set(actor=None, sku=sku1, warehouse=warehouse_build(code="SH01"), on_hand=50)
        client.sadd(stock_dirty, sku1.pk)
        client.set(flag, "1")
        report = publishing.offer_sync_run(tenant_id=supplier_a.pk, run_id="unit-test")
        assert report.offers_changed == 1
        assert _offer(supplier_a, product).available == 16 + 40
        # A price change goes through the whole-product path.
        with tenant_context(supplier_a):
            services.sku_prices_set(
                actor=None,
                sku=sku1,
                supply_price=D("999.00"),
                min_resale_price=D("1100.00"),
                suggested_retail_price=D("2000.00"),
            )
        client.sadd(dirty, product.pk)
        publishing.offer_sync_run(tenant_id=supplier_a.pk, run_id="unit-test-2")
        assert _offer(supplier_a, product).skus.get(sku_id=sku1.pk).supply_price == D("999.00")
        for key in (
            dirty,
            stock_dirty,
            flag,
            f"{dirty}:run:unit-test",
            f"{stock_dirty}:run:unit-test",
        ):
            assert not client.exists(key), key
        assert publishing.offer_sync_run(tenant_id=supplier_a.pk, run_id="unit-test-3") is None
    finally:
        client.delete(dirty, stock_dirty, flag)


def test_the_sweep_schedules_runs_only_where_none_is_pending(db):
    client = publishing._redis()
    # Two suppliers that do not exist (their runs drop the sets): one with a run pending.
    left_dirty, _left_skus, left_flag = publishing._keys(987654321)
    pending_dirty, _pending_skus, pending_flag = publishing._keys(987654322)
    try:
        client.sadd(left_dirty, 1, 2, 3)
        client.sadd(pending_dirty, 4)
        client.set(pending_flag, "pending")
        assert publishing.offer_sync_sweep() >= 1
        assert client.get(pending_flag) == b"pending"  # not scheduled a second time
        assert publishing.offer_sync_run(tenant_id=987654321, run_id="sweep-test") is None
        assert not client.exists(left_dirty)
    finally:
        client.delete(left_dirty, left_flag, pending_dirty, pending_flag)


def test_the_stock_path_agrees_with_the_whole_product_sync(supplier_a, categories):
    """offer_stock_sync_now (the ERP's everyday case, two statements) leaves nothing for the
    whole-product sync to change; inactive SKUs and withdrawn offers stay at 0."""
    with tenant_context(supplier_a):
        product, sku1, sku2 = _stocked_phone(code="PUB-FAST")
        withdrawn, wsku, _ = _stocked_phone(code="PUB-FAST-WD")
        for item in (product, withdrawn):
            publishing.product_publish(actor=None, product=item, audience=OfferAudience.ALL_DEALERS)
        publishing.product_withdraw(actor=None, product=withdrawn)
        services.sku_update(actor=None, sku=sku2, is_active=False)
        publishing.offer_sync_now(product_ids=[product.pk])
        shanghai = warehouse_build(code="SH01")
        stock_set(actor=None, sku=sku1, warehouse=shanghai, on_hand=60)
        stock_set(actor=None, sku=sku2, warehouse=shanghai, on_hand=60)
        stock_set(actor=None, sku=wsku, warehouse=shanghai, on_hand=60)
        version = _offer(supplier_a, product).version

        fast = publishing.offer_stock_sync_now(sku_ids=[sku1.pk, sku2.pk, wsku.pk])
        assert (fast.offers_changed, fast.skus_written) == (1, 1)
        offer = _offer(supplier_a, product)
        assert offer.skus.get(sku_id=sku1.pk).available == 60 - 2 + 5
        assert offer.skus.get(sku_id=sku2.pk).available == 0  # inactive
        assert offer.available == 63 and offer.version == version + 1
        assert _offer(supplier_a, withdrawn).available == 0

        again = publishing.offer_stock_sync_now(sku_ids=[sku1.pk, sku2.pk, wsku.pk])
        full = publishing.offer_sync_now(product_ids=[product.pk, withdrawn.pk])
    assert (again.offers_changed, full.offers_changed) == (0, 0)
