import pytest

from catalog.models import Category
from catalog.seed import category_tree_seed


@pytest.fixture
def leaf(db):
    category_tree_seed()
    return Category.objects.filter(level=3).order_by("pk").first()
