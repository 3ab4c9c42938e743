"""Writes to the platform's category tree (public schema)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from catalog.models import MAX_LEVEL, Category


def _subtree_depth(category: Category) -> int:
    """Levels below ``category`` (0 for a leaf or a new category)."""
    if category.pk is None:
        return 0
    children = list(Category.objects.filter(parent=category).values_list("pk", flat=True))
    if not children:
        return 0
    if Category.objects.filter(parent_id__in=children).exists():
        return 2
    return 1


def category_check_placement(*, category: Category, parent: Category | None) -> int:
    """The level ``category`` gets under ``parent``; ValidationError when the tree would break."""
    if parent is not None and category.pk is not None:
        node = parent
        while node is not None:
            if node.pk == category.pk:
                raise ValidationError(
                    {"parent": _("A category cannot be placed under itself or its subcategories.")}
                )
            node = node.parent
    level = 1 if parent is None else parent.level + 1
    if level + _subtree_depth(category) > MAX_LEVEL:
        raise ValidationError(
            {
                "parent": _(
                    "Categories have at most three levels; placing it here would make %(levels)s."
                )
                % {"levels": level + _subtree_depth(category)}
            }
        )
    return level


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Create or update a category, deriving its level and its subcategories' levels."""
    assert connection.schema_name == "public", "categories live in the public schema"
    category.level = category_check_placement(category=category, parent=category.parent)
    category.full_clean()
    category.save()
    for child in Category.objects.filter(parent=category):
        if child.level != category.level + 1:
            child.level = category.level + 1
            child.save(update_fields=["level"])
            Category.objects.filter(parent=child).update(level=child.level + 1)
    return category
