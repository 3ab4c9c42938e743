import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from catalog.models import Category, CategorySpec, SpecKind
from catalog.seed import category_tree_seed
from catalog.selectors import (
    category_descendant_ids,
    category_leaf_choices,
    category_parameter_specs,
    category_variant_specs,
)
from catalog.services import category_save
from tests.builders import platform_admin


@pytest.fixture
def tree(db):
    return category_tree_seed()


def test_seed_builds_a_three_level_tree_with_about_thirty_leaves(tree):
    assert tree["leaves"] >= 30
    phones = Category.objects.select_related("parent__parent").get(code="smartphones")
    assert [c.name_zh for c in phones.ancestors()] == ["电子产品", "手机通讯", "智能手机"]
    assert [c.name_en for c in phones.ancestors()] == ["Electronics", "Phones", "Smartphones"]
    assert phones.level == 3 and phones.is_leaf
    assert Category.objects.filter(level=3).count() == tree["leaves"]
    assert not Category.objects.filter(level__gt=3).exists()


def test_seed_is_idempotent(tree):
    counts = (Category.objects.count(), CategorySpec.objects.count())
    assert category_tree_seed() == tree
    assert (Category.objects.count(), CategorySpec.objects.count()) == counts


def test_names_follow_the_active_language(tree):
    from django.utils import translation

    phones = Category.objects.select_related("parent__parent").get(code="smartphones")
    with translation.override("en"):
        assert phones.path_display == "Electronics › Phones › Smartphones"
    with translation.override("zh-hans"):
        assert phones.path_display == "电子产品 › 手机通讯 › 智能手机"


def test_a_fourth_level_is_refused_by_the_service_and_the_database(tree):
    from django.utils import translation

    leaf = Category.objects.get(code="smartphones")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        category_save(category=Category(code="x", name_zh="更深", name_en="Deeper", parent=leaf))
    assert "three levels" in str(refused.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(code="y", name_zh="第四层", name_en="Fourth", parent=leaf, level=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(code="z", name_zh="无父", name_en="Orphan", level=2)


def test_moving_a_subtree_under_itself_or_too_deep_is_refused(tree):
    electronics = Category.objects.get(code="electronics")
    phones = Category.objects.get(code="phones")
    electronics.parent = phones
    with pytest.raises(ValidationError):
        category_save(category=electronics)
    # Phones (with leaves below) cannot go under another level-2 node: that would make four.
    phones = Category.objects.get(code="phones")
    phones.parent = Category.objects.get(code="computers")
    with pytest.raises(ValidationError):
        category_save(category=phones)


def test_moving_a_branch_recomputes_levels(tree):
    phones = Category.objects.get(code="phones")
    phones.parent = Category.objects.get(code="home-appliances")
    category_save(category=phones)
    assert Category.objects.get(code="smartphones").parent.parent.code == "home-appliances"
    assert Category.objects.get(code="smartphones").level == 3


def test_sibling_names_are_unique(tree):
    phones = Category.objects.get(code="phones")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(
            code="smartphones-2", name_zh="智能手机", name_en="Other", parent=phones, level=3
        )


def test_a_leaf_inherits_its_ancestors_template(tree):
    phones = Category.objects.select_related("parent__parent").get(code="smartphones")
    parameters = [spec.code for spec in category_parameter_specs(category=phones)]
    assert parameters[0] == "warranty_months"  # from 电子产品 Electronics
    assert {"screen_size", "cpu", "battery", "network"} <= set(parameters)
    assert [s.code for s in category_variant_specs(category=phones)] == ["color", "storage"]
    tea = Category.objects.select_related("parent__parent").get(code="tea")
    assert "warranty_months" not in [s.code for s in category_parameter_specs(category=tea)]


def test_spec_values_are_checked_with_clear_messages(tree):
    spec = CategorySpec.objects.get(category__code="smartphones", code="network")
    assert spec.normalise("5G") == "5G"
    with pytest.raises(ValidationError) as refused:
        spec.normalise("6G")
    assert "5G, 4G" in refused.value.messages[0]
    number = CategorySpec.objects.get(category__code="smartphones", code="screen_size")
    assert number.normalise("6.10") == "6.1"
    with pytest.raises(ValidationError):
        number.normalise("six")


def test_choice_spec_without_choices_is_refused_by_the_database(tree):
    leaf = Category.objects.get(code="tea")
    with pytest.raises(IntegrityError), transaction.atomic():
        CategorySpec.objects.create(
            category=leaf,
            code="x",
            name_zh="x",
            name_en="x",
            kind=SpecKind.PARAMETER,
            value_type="choice",
            choices=[],
        )


def test_leaf_choices_and_descendants(tree):
    labels = dict(category_leaf_choices())
    phones = Category.objects.get(code="smartphones")
    assert labels[phones.pk] == "Electronics › Phones › Smartphones"
    assert len(labels) == tree["leaves"]
    electronics = Category.objects.get(code="electronics")
    assert phones.pk in category_descendant_ids(category_id=electronics.pk)
    assert Category.objects.get(code="tea").pk not in category_descendant_ids(
        category_id=electronics.pk
    )


def _admin_client() -> Client:
    from django.conf import settings

    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    client.force_login(platform_admin())
    return client


def test_platform_staff_manage_categories_in_the_admin(tree):
    client = _admin_client()
    response = client.get("/admin/catalog/category/?level=3")
    assert response.status_code == 200
    assert "智能手机" in response.content.decode()

    phones = Category.objects.get(code="phones")
    response = client.post(
        "/admin/catalog/category/add/",
        {
            "code": "rugged-phones",
            "name_zh": "三防手机",
            "name_en": "Rugged phones",
            "parent": phones.pk,
            "position": 9,
            "is_active": "on",
            "specs-TOTAL_FORMS": "1",
            "specs-INITIAL_FORMS": "0",
            "specs-0-position": "0",
            "specs-0-code": "ip_rating",
            "specs-0-name_zh": "防护等级",
            "specs-0-name_en": "IP rating",
            "specs-0-kind": "parameter",
            "specs-0-value_type": "choice",
            "specs-0-choices": '["IP67", "IP68"]',
            "specs-0-unit": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rugged = Category.objects.get(code="rugged-phones")
    assert rugged.level == 3
    assert rugged.specs.get().choices == ["IP67", "IP68"]


def test_the_admin_refuses_a_fourth_level_and_never_deletes(tree):
    client = _admin_client()
    leaf = Category.objects.get(code="smartphones")
    response = client.post(
        "/admin/catalog/category/add/",
        {
            "code": "too-deep",
            "name_zh": "太深",
            "name_en": "Too deep",
            "parent": leaf.pk,
            "position": 0,
            "specs-TOTAL_FORMS": "0",
            "specs-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Category.objects.filter(code="too-deep").exists()
    response = client.get(f"/admin/catalog/category/{leaf.pk}/delete/")
    assert response.status_code == 403
