"""Price control: the rules in the database, the services and the forms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from accounts.models import AuditLog, Role
from suppliers import services
from suppliers.models import PriceTier, Sku
from suppliers.pricing import price_rule_errors, tiers_parse
from tests.suppliers.builders import phone_build, sku_get

D = Decimal


def _raw_update(sku_id, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.filter(pk=sku_id).update(**values)


def test_the_database_refuses_prices_that_break_the_rules(supplier_a, categories):
    with tenant_context(supplier_a):
        sku = phone_build().skus.first()  # supply 1000, min 1100, suggested 2000
        _raw_update(sku.pk, min_resale_price=D("999.99"))  # floor below supply price
        _raw_update(sku.pk, suggested_retail_price=D("1099.99"))  # suggested below floor
        _raw_update(sku.pk, supply_price=D("-1"))
        _raw_update(sku.pk, currency="USD")
        with pytest.raises(IntegrityError), transaction.atomic():
            PriceTier.objects.create(sku=sku, min_quantity=10, unit_price=D("1"))  # duplicate qty
        with pytest.raises(IntegrityError), transaction.atomic():
            PriceTier.objects.create(sku=sku, min_quantity=1, unit_price=D("1"))
        with pytest.raises(IntegrityError), transaction.atomic():
            PriceTier.objects.create(sku=sku, min_quantity=99, unit_price=D("-5"))
        assert sku_get(sku.code).min_resale_price == D("1100.00")


def test_the_floor_rules_have_clear_messages():
    errors = price_rule_errors(
        supply_price=D("100"), suggested_retail_price=D("90"), min_resale_price=D("95")
    )
    assert "cannot be below the supply price" in errors["min_resale_price"][0]
    assert "¥95.00" in errors["min_resale_price"][0]
    assert "¥100.00" in errors["min_resale_price"][0]
    assert errors["suggested_retail_price"][0].startswith("The suggested retail price (¥90.00)")
    assert (
        price_rule_errors(
            supply_price=D("100"), suggested_retail_price=D("150"), min_resale_price=D("100")
        )
        == {}
    )


def test_tiers_must_get_cheaper_and_start_above_the_moq():
    ok = price_rule_errors(
        supply_price=D("100"),
        suggested_retail_price=D("150"),
        min_resale_price=D("120"),
        tiers=[(10, D("95")), (50, D("90"))],
    )
    assert ok == {}
    errors = price_rule_errors(
        supply_price=D("100"),
        suggested_retail_price=D("150"),
        min_resale_price=D("120"),
        tiers=[(10, D("95")), (50, D("96"))],
        moq=10,
    )
    messages = " ".join(errors["tiers"])
    assert "The price from 50 (¥96.00) must be lower than the tier from 10" in messages
    assert "not above the minimum order quantity (10)" in messages


def test_tiers_parse():
    assert tiers_parse("10:95|50：90.5") == [(10, D("95.00")), (50, D("90.50"))]
    with pytest.raises(ValueError, match="quantity:price"):
        tiers_parse("10=95")
    with pytest.raises(ValueError, match="two decimal"):
        tiers_parse("10:95.123")


def test_service_refuses_a_floor_below_the_supply_price(supplier_a, categories):
    with tenant_context(supplier_a):
        product = phone_build(skus=1)
        with pytest.raises(ValidationError) as refused:
            services.sku_create(
                actor=None,
                product=product,
                code="P-100-9",
                variant={"color": "绿色", "storage": "128GB"},
                supply_price=D("500"),
                suggested_retail_price=D("800"),
                min_resale_price=D("450"),
            )
        assert (
            "dealers would have to sell at a loss"
            in refused.value.message_dict["min_resale_price"][0]
        )
        assert not Sku.objects.filter(code="P-100-9").exists()


def test_volume_price_of_an_order(supplier_a, categories):
    with tenant_context(supplier_a):
        sku = Sku.objects.prefetch_related("tiers").get(pk=phone_build().skus.first().pk)
        # supply 1000; tiers 10+ → 950, 50+ → 900
        assert sku.unit_price_for(1) == D("1000.00")
        assert sku.unit_price_for(9) == D("1000.00")
        assert sku.unit_price_for(10) == D("950.00")
        assert sku.unit_price_for(49) == D("950.00")
        assert sku.unit_price_for(50) == D("900.00")


def test_a_price_change_is_audited_with_before_and_after(supplier_a, categories, tenant_user):
    user = tenant_user(supplier_a, email="pricer@acme.test", role=Role.MANAGER)
    with tenant_context(supplier_a):
        sku = phone_build().skus.first()
        services.sku_prices_set(
            actor=user,
            sku=sku,
            supply_price=D("1200"),
            suggested_retail_price=D("2000"),
            min_resale_price=D("1300"),
            tiers=[(20, D("1150"))],
        )
        record = AuditLog.objects.filter(action="sku.prices_changed").get()
        assert record.actor_label == "pricer@acme.test"
        assert record.data["from"]["supply_price"] == "1000.00"
        assert record.data["to"]["supply_price"] == "1200.00"
        assert record.data["from"]["tiers"] == "10:950.00|50:900.00"
        assert record.data["to"]["tiers"] == "20:1150.00"
        # Raising the supply price above an existing tier is refused: tiers must stay cheaper.
        with pytest.raises(ValidationError) as refused:
            services.sku_prices_set(
                actor=user,
                sku=sku,
                supply_price=D("1100"),
                suggested_retail_price=D("2000"),
                min_resale_price=D("1300"),
            )
        assert "must be lower than the supply price" in " ".join(
            refused.value.message_dict["tiers"]
        )


def test_the_price_page_shows_the_rule_and_changes_nothing(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        product = phone_build()
        sku = product.skus.first()
    url = f"/products/{product.pk}/skus/{sku.pk}/prices/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "supply_price": "1000.00",
            "min_resale_price": "900.00",
            "suggested_retail_price": "2000.00",
            "tiers-TOTAL_FORMS": "3",
            "tiers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert "dealers would have to sell at a loss" in response.content.decode()
    with tenant_context(supplier_a):
        assert sku_get(sku.code).min_resale_price == D("1100.00")

    response = client.post(
        url,
        {
            "supply_price": "980.00",
            "min_resale_price": "1050.00",
            "suggested_retail_price": "1999.00",
            "tiers-TOTAL_FORMS": "3",
            "tiers-INITIAL_FORMS": "0",
            "tiers-0-min_quantity": "10",
            "tiers-0-unit_price": "960.00",
            "tiers-1-min_quantity": "100",
            "tiers-1-unit_price": "900.00",
        },
    )
    assert response.status_code == 302
    with tenant_context(supplier_a):
        saved = Sku.objects.prefetch_related("tiers").get(pk=sku.pk)
        assert (saved.supply_price, saved.min_resale_price) == (D("980.00"), D("1050.00"))
        assert [(t.min_quantity, t.unit_price) for t in saved.tiers.all()] == [
            (10, D("960.00")),
            (100, D("900.00")),
        ]


def test_bulk_price_edit_saves_all_rows_or_none(supplier_a, categories, signed_in):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        a, b = list(phone_build().skus.order_by("pk"))
    page = client.get("/prices/")
    assert page.status_code == 200
    assert a.code in page.content.decode()

    def row(i, sku, supply, floor, suggested):
        return {
            f"prices-{i}-sku_id": str(sku.pk),
            f"prices-{i}-supply_price": supply,
            f"prices-{i}-min_resale_price": floor,
            f"prices-{i}-suggested_retail_price": suggested,
        }

    management = {"prices-TOTAL_FORMS": "2", "prices-INITIAL_FORMS": "2"}
    response = client.post(
        "/prices/",
        {
            **management,
            **row(0, a, "990.00", "1100.00", "2000.00"),
            **row(1, b, "960.00", "1100.00", "2000.00"),
        },
    )
    assert response.status_code == 302
    with tenant_context(supplier_a):
        assert sku_get(a.code).supply_price == D("990.00")
        assert sku_get(b.code).supply_price == D("960.00")
    # Row b puts the floor below the supply price: nothing is saved, row b says why.
    response = client.post(
        "/prices/",
        {
            **management,
            **row(0, a, "980.00", "1100.00", "2000.00"),
            **row(1, b, "1000.00", "999.00", "2000.00"),
        },
    )
    assert response.status_code == 400
    assert "cannot be below the supply price" in response.content.decode()
    with tenant_context(supplier_a):
        assert sku_get(a.code).supply_price == D("990.00")  # row a not saved either
        assert sku_get(b.code).min_resale_price == D("1100.00")


def test_bulk_price_service_is_all_or_nothing(supplier_a, categories):
    with tenant_context(supplier_a):
        a, b = list(phone_build().skus.order_by("pk"))
        with pytest.raises(services.BulkPriceError) as refused:
            services.price_bulk_update(
                actor=None,
                changes={
                    a.pk: {"supply_price": D("990")},
                    b.pk: {"supply_price": D("2000")},  # above its floor of 1100
                },
            )
        assert list(refused.value.row_errors) == [b.pk]
        assert sku_get(a.code).supply_price == D("1000.00")  # a not saved either
        assert (
            services.price_bulk_update(
                actor=None, changes={a.pk: {"supply_price": D("990")}, b.pk: {}}
            )
            == 1
        )
        assert sku_get(a.code).supply_price == D("990.00")
        # Below its own tiers (950 from 10) the supply price would make the tiers dearer.
        with pytest.raises(services.BulkPriceError) as refused:
            services.price_bulk_update(actor=None, changes={a.pk: {"supply_price": D("900")}})
        assert "must be lower than the supply price" in refused.value.messages[0]
        assert AuditLog.objects.filter(action="sku.prices_changed", target_id=str(a.pk)).exists()


def test_the_bulk_price_page_has_a_fixed_query_count(
    supplier_a, categories, signed_in, django_assert_max_num_queries
):
    client = signed_in(supplier_a, Role.MANAGER)
    with tenant_context(supplier_a):
        for index in range(20):
            phone_build(code=f"BP-{index:02d}", skus=3)
    # domain, session, user, categories (filter), count, SKUs with products, tiers: 7 queries,
    # each after django-tenants' SET search_path.
    with django_assert_max_num_queries(14):
        response = client.get("/prices/")
    assert len(response.context["rows"]) == 50
