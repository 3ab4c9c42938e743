"""The catalogue of one supplier is invisible and untouchable from every other domain.

tests/test_isolation.py checks every catalogue URL across tenants; these are the cases its
table cannot express (POST-only bulk actions, imports, ids that exist in both schemas).
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import Role
from suppliers import services
from suppliers.models import Product
from tests.suppliers.builders import phone_build


def test_another_supplier_sees_none_of_acmes_catalogue(
    supplier_a, supplier_b, categories, signed_in
):
    with tenant_context(supplier_a):
        product = phone_build(code="ACME-ONLY", name="艾克美专属")
        sku = product.skus.first()
    beta = signed_in(supplier_b, Role.OWNER)
    listing = beta.get("/products/?q=ACME").content.decode()
    assert "ACME-ONLY" not in listing and "艾克美专属" not in listing
    assert "ACME-ONLY" not in beta.get("/products/export/").content.decode()
    assert "ACME-ONLY" not in beta.get("/prices/").content.decode()
    for url in (
        f"/products/{product.pk}/",
        f"/products/{product.pk}/update/",
        f"/products/{product.pk}/skus/{sku.pk}/prices/",
    ):
        response = beta.get(url)
        assert response.status_code == 404 or "艾克美专属" not in response.content.decode()


def test_same_id_in_two_schemas_stays_separate(supplier_a, supplier_b, categories, signed_in):
    """Ids are per schema: beta's product with acme's id is beta's own, never acme's."""
    with tenant_context(supplier_a):
        acme_product = phone_build(code="A-SAME", name="艾克美")
    with tenant_context(supplier_b):
        with connection.cursor() as cursor:  # beta's next product id = acme's product id
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('suppliers_product', 'id'), %s, false)",
                [acme_product.pk],
            )
        beta_product = phone_build(code="B-SAME", name="贝塔")
    assert beta_product.pk == acme_product.pk
    beta = signed_in(supplier_b, Role.OWNER)
    page = beta.get(f"/products/{acme_product.pk}/").content.decode()
    assert "贝塔" in page and "艾克美" not in page


def test_bulk_listing_with_another_suppliers_ids_changes_nothing(
    supplier_a, supplier_b, categories, signed_in
):
    with tenant_context(supplier_a):
        product = phone_build(code="ACME-BULK")
    beta = signed_in(supplier_b, Role.OWNER)
    beta.post("/products/bulk-status/", {"action": "listed", "products": [str(product.pk)]})
    with tenant_context(supplier_a):
        assert Product.objects.get(pk=product.pk).status == "draft"


def test_an_import_at_beta_only_touches_beta(
    supplier_a, supplier_b, categories, signed_in, celery_eager, django_capture_on_commit_callbacks
):
    with tenant_context(supplier_a):
        phone_build(code="SHARED")
        out = io.StringIO()
        services.product_export_csv(out=out)
        before = list(Product.objects.values_list("code", "name"))
    changed = out.getvalue().replace("星河 X1 智能手机", "被贝塔改名")
    beta = signed_in(supplier_b, Role.MANAGER)
    with django_capture_on_commit_callbacks(execute=True):  # the worker imports it (eager)
        response = beta.post(
            "/products/import/",
            {"file": SimpleUploadedFile("c.csv", changed.encode(), content_type="text/csv")},
        )
    assert beta.get(response["Location"]).status_code == 200
    with tenant_context(supplier_b):
        assert Product.objects.get(code="SHARED").name == "被贝塔改名"
    with tenant_context(supplier_a):
        assert list(Product.objects.values_list("code", "name")) == before


def test_dealer_domains_have_no_catalogue_backoffice(dealer, categories, signed_in):
    client = signed_in(dealer, Role.OWNER)
    for url in (
        "/products/",
        "/products/create/",
        "/products/import/",
        "/products/export/",
        "/prices/",
        "/warehouses/",
        "/warehouses/create/",
        "/products/1/",
        "/warehouses/1/stock/",
        "/media/t_acme/products/1/x.jpg",
    ):
        assert client.get(url).status_code == 404, url
