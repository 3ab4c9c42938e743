"""Reads of the platform's category tree; work from any schema (public is on the search path)."""

from __future__ import annotations

from catalog.models import MAX_LEVEL, Category, CategorySpec, SpecKind


def category_leaves(*, active_only: bool = True) -> list[Category]:
    """Every leaf (level 3) with its parents loaded, ordered as the tree is. One query."""
    leaves = Category.objects.filter(level=MAX_LEVEL).select_related("parent__parent")
    if active_only:
        leaves = leaves.filter(is_active=True)
    return sorted(
        leaves,
        key=lambda c: (
            c.parent.parent.position,
            c.parent.parent.code,
            c.parent.position,
            c.parent.code,
            c.position,
            c.code,
        ),
    )


def category_leaf_choices() -> list[tuple[int, str]]:
    return [(leaf.pk, leaf.path_display) for leaf in category_leaves()]


def category_tree() -> list[Category]:
    """All active categories, parents loaded, in tree order (for filters)."""
    nodes = list(Category.objects.filter(is_active=True).select_related("parent__parent"))

    def key(node: Category):
        return tuple((n.position, n.code) for n in node.ancestors())

    return sorted(nodes, key=key)


def category_get(*, category_id: int | None) -> Category | None:
    if not category_id:
        return None
    return Category.objects.select_related("parent__parent").filter(pk=category_id).first()


def category_get_by_code(*, code: str) -> Category | None:
    return Category.objects.select_related("parent__parent").filter(code=code).first()


def category_descendant_ids(*, category_id: int) -> list[int]:
    """The category and everything below it (at most two levels down)."""
    from django.db.models import Q

    return list(
        Category.objects.filter(
            Q(pk=category_id) | Q(parent_id=category_id) | Q(parent__parent_id=category_id)
        ).values_list("pk", flat=True)
    )


def category_specs(*, category: Category | None, kind: str | None = None) -> list[CategorySpec]:
    """The effective specification template of ``category``: its ancestors' fields then its own.

    A field of a deeper category replaces an ancestor's field with the same code.
    """
    if category is None:
        return []
    chain = category.ancestors()
    depth = {node.pk: index for index, node in enumerate(chain)}
    specs = CategorySpec.objects.filter(category_id__in=list(depth))
    if kind is not None:
        specs = specs.filter(kind=kind)
    by_code: dict[str, CategorySpec] = {}
    for spec in sorted(specs, key=lambda s: (depth[s.category_id], s.position, s.pk)):
        by_code.pop(spec.code, None)
        by_code[spec.code] = spec
    return list(by_code.values())


def category_parameter_specs(*, category: Category | None) -> list[CategorySpec]:
    return category_specs(category=category, kind=SpecKind.PARAMETER)


def category_variant_specs(*, category: Category | None) -> list[CategorySpec]:
    return category_specs(category=category, kind=SpecKind.VARIANT)


def category_leaves_with_spec_codes() -> list[tuple[Category, list[str], list[str]]]:
    """Every active leaf with the codes of its parameters and variant axes (two queries)."""
    leaves = category_leaves()
    specs: dict[int, list[CategorySpec]] = {}
    for spec in CategorySpec.objects.order_by("position", "pk"):
        specs.setdefault(spec.category_id, []).append(spec)
    rows = []
    for leaf in leaves:
        by_code: dict[str, CategorySpec] = {}
        for node in leaf.ancestors():
            for spec in specs.get(node.pk, []):
                by_code.pop(spec.code, None)
                by_code[spec.code] = spec
        rows.append(
            (
                leaf,
                [s.code for s in by_code.values() if s.kind == SpecKind.PARAMETER],
                [s.code for s in by_code.values() if s.kind == SpecKind.VARIANT],
            )
        )
    return rows
