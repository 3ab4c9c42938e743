"""CSV import (all rows checked first, all or nothing) and export (imports back unchanged)."""

import csv
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from suppliers import services
from suppliers.models import ImportStatus, PriceTier, Product, ProductImport, Sku
from supplychain.models import StockLevel
from supplychain.services import stock_set
from tests.suppliers.builders import phone_build, warehouse_build

D = Decimal
HEADER = [
    "product_code",
    "product_name",
    "category_code",
    "brand",
    "unit",
    "product_moq",
    "status",
    "parameters",
    "description",
    "sku_code",
    "barcode",
    "variant",
    "supply_price",
    "min_resale_price",
    "suggested_retail_price",
    "sku_moq",
    "tiers",
    "stock:SH01",
    "safety:SH01",
]
PHONE_PARAMS = "warranty_months=12; screen_size=6.1; cpu=A17; battery=4000; network=5G"


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode(encoding)


def phone_row(**values):
    row = {
        "product_code": "IMP-1",
        "product_name": "导入手机",
        "category_code": "smartphones",
        "brand": "导入",
        "unit": "台",
        "product_moq": "1",
        "status": "listed",
        "parameters": PHONE_PARAMS,
        "description": "<p>说明</p>",
        "sku_code": "IMP-1-BK",
        "barcode": "6901234567892",
        "variant": "color=黑色; storage=256GB",
        "supply_price": "100.00",
        "min_resale_price": "120.00",
        "suggested_retail_price": "150.00",
        "tiers": "10:95.00|50:90.00",
        "stock:SH01": "40",
        "safety:SH01": "5",
    }
    row.update(values)
    return row


def valid_rows():
    return [
        phone_row(),
        # Second SKU of the same product: product columns left empty.
        {
            "product_code": "IMP-1",
            "sku_code": "IMP-1-WH",
            "variant": "color=白色; storage=512GB",
            "supply_price": "110",
            "min_resale_price": "130",
            "suggested_retail_price": "160",
            "sku_moq": "2",
            "stock:SH01": "7",
        },
        phone_row(
            product_code="TEA-9",
            product_name="明前龙井",
            category_code="tea",
            brand="西湖",
            unit="罐",
            status="draft",
            parameters="origin=杭州; shelf_life=18; 包装=礼盒",
            sku_code="TEA-9-250",
            barcode="",
            variant="weight=250g",
            tiers="",
            **{"stock:SH01": "", "safety:SH01": ""},
        ),
    ]


def test_a_valid_file_creates_products_skus_prices_and_stock(supplier_a, categories):
    with tenant_context(supplier_a):
        warehouse = warehouse_build()
        report = services.product_import_csv(actor=None, data=csv_bytes(valid_rows()))
        assert report.ok, report.errors
        assert (report.products_created, report.skus_created, report.stock_rows_changed) == (
            2,
            3,
            2,
        )
        phone = Product.objects.get(code="IMP-1")
        assert phone.status == "listed" and phone.unit == "台"
        assert phone.parameters["screen_size"] == "6.1"
        black = Sku.objects.get(code="IMP-1-BK")
        assert black.product == phone and black.barcode == "6901234567892"
        assert (black.supply_price, black.min_resale_price, black.suggested_retail_price) == (
            D("100.00"),
            D("120.00"),
            D("150.00"),
        )
        assert list(
            PriceTier.objects.filter(sku=black).values_list("min_quantity", "unit_price")
        ) == [(10, D("95.00")), (50, D("90.00"))]
        white = Sku.objects.get(code="IMP-1-WH")
        assert white.moq == 2 and white.variant == {"color": "白色", "storage": "512GB"}
        level = StockLevel.objects.get(sku=black, warehouse=warehouse)
        assert (level.on_hand, level.safety_stock, level.available) == (40, 5, 40)
        assert StockLevel.objects.get(sku=white).on_hand == 7
        tea = Product.objects.get(code="TEA-9")
        assert tea.status == "draft" and tea.parameters["包装"] == "礼盒"
        assert not StockLevel.objects.filter(sku__product=tea).exists()
        assert AuditLog.objects.filter(action="catalogue.imported").count() == 1


def test_a_file_with_errors_changes_nothing_and_names_each_line(supplier_a, categories):
    with tenant_context(supplier_a):
        warehouse_build()
        existing = phone_build(code="OLD")  # owns SKU OLD-1
        rows = valid_rows() + [
            phone_row(product_code="BAD-1", sku_code="BAD-1-1", category_code="no-such"),  # 5
            phone_row(product_code="BAD-2", sku_code="BAD-2-1", supply_price="12.345"),  # 6
            phone_row(product_code="BAD-3", sku_code="BAD-3-1", min_resale_price="90"),  # 7
            phone_row(product_code="BAD-4", sku_code="IMP-1-BK", barcode=""),  # 8 duplicate
            phone_row(product_code="BAD-5", sku_code="OLD-1", barcode=""),  # 9 other product
            phone_row(product_code="BAD-6", sku_code="BAD-6-1", barcode="6901234567891"),  # 10
            phone_row(product_code="BAD-7", sku_code="BAD-7-1", variant="color=红色"),  # 11
            phone_row(product_code="BAD-8", sku_code="BAD-8-1", parameters="network=6G"),  # 12
            phone_row(product_code="BAD-9", sku_code="BAD-9-1", tiers="10:130", barcode=""),  # 13
            phone_row(product_code="BAD-A", sku_code="BAD-A-1", **{"stock:SH01": "-3"}),  # 14
        ]
        before = (Product.objects.count(), Sku.objects.count(), StockLevel.objects.count())
        report = services.product_import_csv(actor=None, data=csv_bytes(rows))
        assert not report.ok
        found = {(error.line, error.column) for error in report.errors}
        assert {
            (5, "category_code"),
            (6, "supply_price"),
            (7, "min_resale_price"),
            (8, "sku_code"),
            (9, "sku_code"),
            (10, "barcode"),
            (11, "variant"),
            (12, "parameters"),
            (13, "tiers"),
            (14, "stock:SH01"),
        } <= found
        assert not any(error.line in (2, 3, 4) for error in report.errors)  # valid lines
        messages = {(e.line, e.column): e.message for e in report.errors}
        assert "no category with the code “no-such”" in messages[(5, "category_code")]
        assert "two decimal places" in messages[(6, "supply_price")]
        assert "cannot be below the supply price" in messages[(7, "min_resale_price")]
        assert "already on line 2" in messages[(8, "sku_code")]
        assert "belongs to product OLD" in messages[(9, "sku_code")]
        assert "check digit" in messages[(10, "barcode")]
        assert "must be lower than the supply price" in messages[(13, "tiers")]
        # Nothing at all was written, not even the valid rows.
        after = (Product.objects.count(), Sku.objects.count(), StockLevel.objects.count())
        assert after == before
        assert not Product.objects.filter(code="IMP-1").exists()
        assert existing.skus.filter(code="OLD-1").exists()


def test_line_numbers_count_multi_line_cells(supplier_a, categories):
    with tenant_context(supplier_a):
        warehouse_build()
        rows = [
            phone_row(description="第一行\n第二行\n第三行"),  # lines 2-4
            phone_row(product_code="X-2", sku_code="X-2-1", barcode="", supply_price="abc"),
        ]
        report = services.product_import_csv(actor=None, data=csv_bytes(rows))
        assert [(e.line, e.column) for e in report.errors] == [(5, "supply_price")]


def test_header_problems_are_reported_on_line_1(supplier_a, categories):
    with tenant_context(supplier_a):
        header = [c for c in HEADER if c != "min_resale_price"] + ["colour", "stock:NOPE"]
        report = services.product_import_csv(
            actor=None, data=csv_bytes([phone_row()], header=header)
        )
        problems = {(e.line, e.column) for e in report.errors}
        assert problems == {
            (1, "colour"),
            (1, "stock:NOPE"),
            (1, "stock:SH01"),  # no such warehouse in this tenant yet
            (1, "safety:SH01"),
            (1, "min_resale_price"),
        }
        assert not Product.objects.exists()


def test_on_hand_below_reserved_is_refused(supplier_a, categories):
    with tenant_context(supplier_a):
        warehouse = warehouse_build()
        sku = phone_build(code="RES").skus.first()
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=10)
        StockLevel.objects.filter(sku=sku).update(reserved=6)  # as the order flow would
        out = io.StringIO()
        services.product_export_csv(out=out)
        text = out.getvalue().replace(",10,0", ",5,0")  # on hand 10 → 5, below the 6 reserved
        report = services.product_import_csv(actor=None, data=text.encode())
        assert [(e.line, e.column) for e in report.errors] == [(2, "stock:SH01")]
        assert "6 units are reserved" in report.errors[0].message
        assert StockLevel.objects.get(sku=sku).on_hand == 10


def test_gb18030_files_from_chinese_excel_are_read(supplier_a, categories):
    with tenant_context(supplier_a):
        warehouse_build()
        report = services.product_import_csv(
            actor=None, data=csv_bytes(valid_rows(), encoding="gb18030")
        )
        assert report.ok, report.errors
        assert Product.objects.get(code="TEA-9").name == "明前龙井"


def _export(tenant) -> str:
    with tenant_context(tenant):
        out = io.StringIO()
        services.product_export_csv(out=out)
        return out.getvalue()


def test_export_then_import_round_trip(supplier_a, supplier_b, categories):
    with tenant_context(supplier_a):
        warehouse = warehouse_build()
        warehouse_build(code="GZ02", name="广州仓")
        product = phone_build(code="RT", listed=True)
        services.product_update(
            actor=None, product=product, description="<h3>卖点</h3><ul><li>长续航</li></ul>"
        )
        sku = product.skus.first()
        stock_set(actor=None, sku=sku, warehouse=warehouse, on_hand=12, safety_stock=3)
        services.product_delist(actor=None, product=product)
        phone_build(code="RT2", skus=1)
    exported = _export(supplier_a)
    assert "RT-1" in exported and "stock:GZ02" in exported

    # Re-importing the export into the same supplier changes nothing.
    with tenant_context(supplier_a):
        report = services.product_import_csv(actor=None, data=exported.encode())
        assert report.ok, report.errors
        assert (report.products_updated, report.skus_updated, report.stock_rows_changed) == (
            0,
            0,
            0,
        )
    assert _export(supplier_a) == exported

    # Importing it into another supplier with the same warehouses reproduces the catalogue.
    with tenant_context(supplier_b):
        warehouse_build()
        warehouse_build(code="GZ02", name="广州仓")
        report = services.product_import_csv(actor=None, data=exported.encode())
        assert report.ok, report.errors
        assert Product.objects.get(code="RT").status == "delisted"
    assert _export(supplier_b) == exported


def test_the_import_page_queues_the_file_and_its_page_shows_the_report(
    supplier_a, categories, signed_in, celery_eager, django_capture_on_commit_callbacks
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        warehouse_build()
    rows = valid_rows() + [phone_row(product_code="BAD", sku_code="BAD-1", supply_price="x")]
    upload = SimpleUploadedFile("商品.csv", csv_bytes(rows), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):  # the worker's turn (Celery, eager)
        response = client.post("/products/import/", {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 400
    assert "商品.csv" in text and "nothing was imported" in text
    assert '<td class="num">5</td>' in text and "supply_price" in text
    assert "“x” is not an amount." in text
    with tenant_context(supplier_a):
        assert not Product.objects.exists()
        assert ProductImport.objects.get().data == b""  # the file is dropped once imported

    upload = SimpleUploadedFile("商品.csv", csv_bytes(valid_rows()), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/products/import/", {"file": upload})
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "2 product(s) created" in page.content.decode()
    with tenant_context(supplier_a):
        assert Product.objects.count() == 2
    listing = client.get("/products/import/").content.decode()
    assert "<code>smartphones</code>" in listing and "<code>screen_size</code>" in listing
    assert listing.count("商品.csv") == 2  # both uploads, newest first


def test_the_worker_writes_the_report_in_the_uploaders_language(
    supplier_a, categories, signed_in, celery_eager, django_capture_on_commit_callbacks
):
    from django.utils import translation

    client = signed_in(supplier_a, Role.MANAGER)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    with tenant_context(supplier_a):
        warehouse_build()
    rows = valid_rows() + [phone_row(product_code="BAD", sku_code="BAD-1", supply_price="x")]
    upload = SimpleUploadedFile("商品.csv", csv_bytes(rows), content_type="text/csv")
    with translation.override("en"):  # whatever the worker would speak by itself
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/products/import/", {"file": upload})
    with tenant_context(supplier_a):
        messages = [error["message"] for error in ProductImport.objects.get().errors]
    assert "“x”不是有效金额。" in messages


def test_an_upload_waits_for_the_worker_and_its_page_refreshes_itself(
    supplier_a, categories, signed_in
):
    client = signed_in(supplier_a, Role.MANAGER)
    upload = SimpleUploadedFile("大文件.csv", csv_bytes(valid_rows()), content_type="text/csv")
    response = client.post("/products/import/", {"file": upload})  # no commit: no worker yet
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.content.decode()
    with tenant_context(supplier_a):
        assert ProductImport.objects.get().status == ImportStatus.QUEUED
        assert not Product.objects.exists()


def test_an_upload_is_imported_once_however_often_the_task_runs(supplier_a, categories):
    with tenant_context(supplier_a):
        warehouse_build()
        upload = services.product_import_queue(
            actor=None, file_name="a.csv", data=csv_bytes(valid_rows())
        )
        first = services.product_import_run(import_id=upload.pk)
        again = services.product_import_run(import_id=upload.pk)  # redelivered
        assert first.status == again.status == ImportStatus.APPLIED
        assert again.report["products_created"] == 2
        assert Product.objects.count() == 2


def test_an_upload_the_worker_could_not_import_says_so(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        upload = services.product_import_queue(actor=None, file_name="b.csv", data=b"x")
        services.product_import_fail(import_id=upload.pk, message="stopped")
    page = client.get(f"/products/import/{upload.pk}/")
    assert page.status_code == 400
    assert "stopped" in page.content.decode()


def test_the_export_download(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.STAFF)
    with tenant_context(supplier_a):
        warehouse_build()
        phone_build(code="DL")
    response = client.get("/products/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffproduct_code,")  # BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [row["sku_code"] for row in rows] == ["DL-1", "DL-2"]
    assert rows[0]["tiers"] == "10:950.00|50:900.00"
