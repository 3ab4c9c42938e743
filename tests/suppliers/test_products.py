"""Products and SKUs: the pages a supplier's team uses, and the listing rules."""

from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from catalog.models import Category
from suppliers import services
from suppliers.models import Product, ProductStatus, Sku
from supplychain.services import stock_set
from tests.suppliers.builders import PHONE_PARAMETERS, phone_build, warehouse_build

D = Decimal


def _create_post(category, **overrides):
    data = {
        "code": "XH-200",
        "name": "星河 X2 Pro",
        "brand": "星河",
        "unit": "台",
        "moq": "2",
        "description": "旗舰手机\n\n<script>alert(1)</script>",
        "param_warranty_months": "24",
        "param_screen_size": "6.7",
        "param_cpu": "天玑 9300",
        "param_battery": "5500",
        "param_network": "5G",
        "param_os": "HarmonyOS",
        "extra_parameters": "重量: 210g",
        "skus-TOTAL_FORMS": "3",
        "skus-INITIAL_FORMS": "0",
        "skus-0-code": "XH-200-BK",
        "skus-0-barcode": "6901234567892",
        "skus-0-variant_color": "黑色",
        "skus-0-variant_storage": "256GB",
        "skus-0-supply_price": "2999.00",
        "skus-0-min_resale_price": "3299.00",
        "skus-0-suggested_retail_price": "3999.00",
        "skus-0-is_active": "on",
        "skus-1-code": "XH-200-WH",
        "skus-1-variant_color": "白色",
        "skus-1-variant_storage": "512GB",
        "skus-1-supply_price": "3299.00",
        "skus-1-min_resale_price": "3599.00",
        "skus-1-suggested_retail_price": "4399.00",
        "skus-1-moq": "5",
        "skus-1-is_active": "on",
        "skus-2-is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_product_with_skus(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    chooser = client.get("/products/create/")
    assert chooser.status_code == 200
    assert "Electronics › Phones › Smartphones" in chooser.content.decode()

    with tenant_context(supplier_a):
        phones = Category.objects.get(code="smartphones")
    form = client.get(f"/products/create/?category={phones.pk}")
    page = form.content.decode()
    assert form.status_code == 200
    assert "Screen size" in page and "Storage" in page  # template parameters and variant axes

    response = client.post(f"/products/create/?category={phones.pk}", _create_post(phones))
    assert response.status_code == 302, response.content.decode()
    with tenant_context(supplier_a):
        product = Product.objects.get(code="XH-200")
        assert product.status == ProductStatus.DRAFT
        assert product.category_id == phones.pk
        assert product.parameters["screen_size"] == "6.7"
        assert product.parameters["重量"] == "210g"
        assert "旗舰手机" in product.description
        assert "<script>" not in product.description and "alert" not in product.description
        skus = {sku.code: sku for sku in product.skus.all()}
        assert set(skus) == {"XH-200-BK", "XH-200-WH"}
        assert skus["XH-200-BK"].variant == {"color": "黑色", "storage": "256GB"}
        assert skus["XH-200-WH"].moq == 5
        assert skus["XH-200-BK"].currency == "CNY"
        assert AuditLog.objects.filter(action="product.created", target_id=str(product.pk)).exists()

    detail = client.get(response["Location"])
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "XH-200-WH" in text and "¥3,299.00" in text and "星河 X2 Pro" in text


def test_a_bad_sku_row_saves_nothing_and_says_why(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        phone_build(code="P-1")  # owns SKU code P-1-1
        phones = Category.objects.get(code="smartphones")
    response = client.post(
        f"/products/create/?category={phones.pk}",
        _create_post(phones, **{"skus-1-code": "P-1-1"}),
    )
    assert response.status_code == 400
    assert "SKU with this SKU code already exists" in response.content.decode()
    with tenant_context(supplier_a):
        assert not Product.objects.filter(code="XH-200").exists()
        assert not Sku.objects.filter(code="XH-200-BK").exists()


def test_a_wrong_barcode_check_digit_and_price_floor_are_shown(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        phones = Category.objects.get(code="smartphones")
    response = client.post(
        f"/products/create/?category={phones.pk}",
        _create_post(
            phones,
            **{"skus-0-barcode": "6901234567891", "skus-1-min_resale_price": "3000.00"},
        ),
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "check digit of barcode 6901234567891 is wrong" in text
    assert "cannot be below the supply price" in text
    with tenant_context(supplier_a):
        assert not Product.objects.filter(code="XH-200").exists()


def test_editing_a_product_updates_skus_and_adds_one(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build(code="P-7", skus=1)
        sku = product.skus.get()
    page = client.get(f"/products/{product.pk}/update/")
    assert page.status_code == 200 and "P-7-1" in page.content.decode()
    data = {
        "code": "P-7",
        "name": "星河 X1 (2025)",
        "category": str(product.category_id),
        "brand": "星河",
        "unit": "台",
        "moq": "1",
        "description": "",
        **{f"param_{k}": v for k, v in PHONE_PARAMETERS.items()},
        "skus-TOTAL_FORMS": "2",
        "skus-INITIAL_FORMS": "1",
        "skus-0-sku_id": str(sku.pk),
        "skus-0-code": "P-7-1",
        "skus-0-variant_color": "黑色",
        "skus-0-variant_storage": "256GB",
        "skus-0-supply_price": "1000.00",
        "skus-0-min_resale_price": "1100.00",
        "skus-0-suggested_retail_price": "1888.00",
        "skus-1-code": "P-7-2",
        "skus-1-variant_color": "黑色",
        "skus-1-variant_storage": "512GB",
        "skus-1-supply_price": "1200.00",
        "skus-1-min_resale_price": "1300.00",
        "skus-1-suggested_retail_price": "2188.00",
        "skus-1-is_active": "on",
    }
    response = client.post(f"/products/{product.pk}/update/", data)
    assert response.status_code == 302, response.content.decode()
    with tenant_context(supplier_a):
        product.refresh_from_db()
        assert product.name == "星河 X1 (2025)"
        first = Sku.objects.get(pk=sku.pk)
        assert first.suggested_retail_price == D("1888.00")
        assert first.is_active is False  # unticked: deactivated, not deleted
        assert Sku.objects.get(code="P-7-2").variant == {"color": "黑色", "storage": "512GB"}
        assert AuditLog.objects.filter(action="sku.prices_changed", target_id=str(sku.pk)).exists()


def test_two_skus_with_the_same_variant_are_refused(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        phones = Category.objects.get(code="smartphones")
    response = client.post(
        f"/products/create/?category={phones.pk}",
        _create_post(phones, **{"skus-1-variant_color": "黑色", "skus-1-variant_storage": "256GB"}),
    )
    assert response.status_code == 400
    assert "same variant" in response.content.decode()


def test_listing_requires_a_complete_product(supplier_a, categories, tenant_user):
    user = tenant_user(supplier_a, email="lister@acme.test", role=Role.MANAGER)
    with tenant_context(supplier_a):
        phones = Category.objects.get(code="smartphones")
        bare = services.product_create(actor=user, code="BARE", name="空壳", category=phones)
        with pytest.raises(services.ProductStateError) as refused:
            services.product_list(actor=user, product=bare)
        message = str(refused.value)
        assert "Screen size" in message and "at least one active SKU" in message
        product = phone_build(code="FULL", actor=user)
        product = services.product_list(actor=user, product=product)
        assert product.status == ProductStatus.LISTED and product.listed_at is not None
        product = services.product_delist(actor=user, product=product)
        assert product.status == ProductStatus.DELISTED
        product = services.product_list(actor=user, product=product)
        assert product.status == ProductStatus.LISTED
        with pytest.raises(services.ProductStateError):
            services.product_transition(actor=user, product=product, to=ProductStatus.DRAFT)
        actions = list(
            AuditLog.objects.filter(target_id=str(product.pk), action__startswith="product.")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "product.created",
            "product.listed",
            "product.delisted",
            "product.listed",
        ]


def test_list_and_delist_from_the_pages(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        one, two = phone_build(code="A-1"), phone_build(code="A-2")
        bare = services.product_create(
            actor=None,
            code="A-3",
            name="未完成",
            category=Category.objects.get(code="smartphones"),
        )
    response = client.post(f"/products/{one.pk}/status/", {"to": "listed"})
    assert response.status_code == 302
    response = client.post(
        "/products/bulk-status/",
        {"action": "listed", "products": [str(two.pk), str(bare.pk)]},
        follow=True,
    )
    text = response.content.decode()
    assert "A-3 cannot be listed" in text
    with tenant_context(supplier_a):
        statuses = dict(Product.objects.values_list("code", "status"))
    assert statuses == {"A-1": "listed", "A-2": "listed", "A-3": "draft"}
    client.post("/products/bulk-status/", {"action": "delisted", "products": [str(one.pk)]})
    with tenant_context(supplier_a):
        assert Product.objects.get(pk=one.pk).status == "delisted"


def test_the_list_searches_filters_and_paginates(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        phone_build(code="FIND-ME", name="寻找我手机", listed=True)
        for index in range(30):
            phone_build(code=f"BULK-{index:02d}", name=f"批量 {index}", skus=1)
        tea = services.product_create(
            actor=None,
            code="TEA-1",
            name="西湖龙井",
            category=Category.objects.get(code="tea"),
        )
        services.sku_create(
            actor=None,
            product=tea,
            code="TEA-1-250",
            variant={"weight": "250g"},
            supply_price=D("88"),
            suggested_retail_price=D("168"),
            min_resale_price=D("128"),
        )
        electronics = Category.objects.get(code="electronics")
        food = Category.objects.get(code="food-beverage")

    def codes(response):
        return {p.code for p in response.context["products"]}

    assert codes(client.get("/products/?q=寻找")) == {"FIND-ME"}
    assert codes(client.get("/products/?q=TEA-1-250")) == {"TEA-1"}  # by SKU code
    assert codes(client.get(f"/products/?category={food.pk}")) == {"TEA-1"}
    assert "TEA-1" not in codes(client.get(f"/products/?category={electronics.pk}"))
    assert codes(client.get("/products/?status=listed")) == {"FIND-ME"}
    first = client.get("/products/")
    assert first.context["page_obj"].paginator.count == 32
    assert len(first.context["products"]) == 25
    assert len(client.get("/products/?page=2").context["products"]) == 7


def test_the_product_list_query_count_does_not_grow(
    supplier_a, categories, signed_in, django_assert_max_num_queries
):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        warehouse = warehouse_build()
        for index in range(25):
            product = phone_build(code=f"Q-{index:02d}", skus=2)
            stock_set(actor=None, sku=product.skus.first(), warehouse=warehouse, on_hand=5)
    # 7 queries (domain, session, user, categories, count, products, cover images), each
    # preceded by django-tenants' SET search_path: 14, whatever the number of products.
    with django_assert_max_num_queries(14):
        response = client.get("/products/")
    assert response.status_code == 200
    assert len(response.context["products"]) == 25
    assert "¥1,000.00" in response.content.decode()


def test_staff_may_look_but_not_change_products(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        product = phone_build()
        sku = product.skus.first()
    assert client.get("/products/").status_code == 200
    assert client.get(f"/products/{product.pk}/").status_code == 200
    assert client.get("/products/export/").status_code == 200
    for url in (
        "/products/create/",
        f"/products/{product.pk}/update/",
        f"/products/{product.pk}/skus/{sku.pk}/prices/",
        "/prices/",
        "/products/import/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/products/{product.pk}/status/", {"to": "listed"}).status_code == 403
    with tenant_context(supplier_a):
        assert Product.objects.get(pk=product.pk).status == ProductStatus.DRAFT


def test_signed_out_visitors_are_sent_to_sign_in(supplier_a, host_client):
    response = host_client(supplier_a).get("/products/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_changing_the_category_keeps_the_skus_and_asks_for_a_check(
    supplier_a, categories, signed_in
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build(code="MOVE", skus=1)
        sku = product.skus.get()
        laptops = Category.objects.get(code="laptops")
    response = client.post(
        f"/products/{product.pk}/update/",
        {
            "code": "MOVE",
            "name": "其实是笔记本",
            "category": str(laptops.pk),
            "unit": "台",
            "moq": "1",
            **{f"param_{k}": v for k, v in PHONE_PARAMETERS.items()},
            "skus-TOTAL_FORMS": "1",
            "skus-INITIAL_FORMS": "1",
            "skus-0-sku_id": str(sku.pk),
            "skus-0-code": "CHANGED",
            "skus-0-supply_price": "1.00",
            "skus-0-min_resale_price": "1.00",
            "skus-0-suggested_retail_price": "1.00",
        },
        follow=True,
    )
    assert "The category changed" in response.content.decode()
    assert "Memory" in response.content.decode()  # the laptop template's variant axis
    with tenant_context(supplier_a):
        product.refresh_from_db()
        assert product.category_id == laptops.pk
        assert product.parameters["cpu"] == PHONE_PARAMETERS["cpu"]  # kept where it fits
        assert product.skus.get().code == "MOVE-1"  # SKU rows were not saved
