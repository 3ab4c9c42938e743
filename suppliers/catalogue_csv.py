"""The catalogue CSV format: columns, reading with a row-by-row report, writing.

One row per SKU; the product columns repeat on each SKU row of a product (or stay empty
after the product's first row). A product without SKUs is one row with empty SKU columns.

Columns (header names are fixed, English, any order; ``*`` = required):

    product_code*  product_name*  category_code*  brand  unit  product_moq  status
    parameters  description
    sku_code*  barcode  variant  supply_price*  suggested_retail_price*  min_resale_price*
    sku_moq  tiers  sku_active
    stock:<warehouse code>  safety:<warehouse code>   (one pair per warehouse, optional)

``parameters`` and ``variant`` are ``key=value; key=value`` with the category template's
keys (e.g. ``screen_size=6.1; network=5G``); ``tiers`` is ``quantity:price|quantity:price``
(``10:95.00|50:90.00``). A column left out of the file leaves that field as it is; a column
present sets it (an empty cell clears it), except the stock columns, where an empty cell
leaves the quantity unchanged.

``catalogue_csv_read`` only reads: it checks every row against the rules and the current
catalogue and returns the plan and every error with its line number. The import service
(suppliers.services.product_import_csv) applies a plan only when it has no errors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.models import Category
from suppliers.models import (
    Product,
    ProductStatus,
    Sku,
    barcode_validator,
    code_validator,
)
from suppliers.money import money_parse
from suppliers.pricing import price_rule_errors, tiers_format, tiers_parse
from supplychain.models import StockLevel, Warehouse

PRODUCT_COLUMNS = [
    "product_code",
    "product_name",
    "category_code",
    "brand",
    "unit",
    "product_moq",
    "status",
    "parameters",
    "description",
]
SKU_COLUMNS = [
    "sku_code",
    "barcode",
    "variant",
    "supply_price",
    "suggested_retail_price",
    "min_resale_price",
    "sku_moq",
    "tiers",
    "sku_active",
]
COLUMNS = PRODUCT_COLUMNS + SKU_COLUMNS
REQUIRED_COLUMNS = [
    "product_code",
    "product_name",
    "category_code",
    "sku_code",
    "supply_price",
    "suggested_retail_price",
    "min_resale_price",
]
STOCK_PREFIX, SAFETY_PREFIX = "stock:", "safety:"
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
TRUE_WORDS = {"1", "true", "yes", "y", "是", "启用", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "停用", "off"}


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ProductPlan:
    line: int
    code: str
    existing: Product | None
    fields: dict = field(default_factory=dict)  # only the columns present in the file
    status: str | None = None
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class SkuPlan:
    line: int
    product_code: str
    code: str
    existing: Sku | None
    fields: dict = field(default_factory=dict)
    tiers: list[tuple[int, Decimal]] | None = None
    stock: dict[int, dict[str, int]] = field(default_factory=dict)  # warehouse id -> quantities


@dataclass
class CataloguePlan:
    products: dict[str, ProductPlan] = field(default_factory=dict)
    skus: list[SkuPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    def error(self, line: int, column: str, message) -> None:
        self.errors.append(RowError(line, column, str(message)))


def kv_parse(text: str) -> dict[str, str]:
    """``key=value; key=value`` (full-width ； and ＝ accepted) into a dict."""
    result: dict[str, str] = {}
    for part in (text or "").replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.replace("＝", "=").partition("=")
        if not sep or not key.strip():
            raise ValueError(
                _("Write “key=value; key=value”; “%(part)s” has no key=value.") % {"part": part}
            )
        if key.strip() in result:
            raise ValueError(_("“%(key)s” appears twice.") % {"key": key.strip()})
        result[key.strip()] = value.strip()
    return result


def kv_format(values: dict) -> str:
    return "; ".join(f"{key}={value}" for key, value in values.items())


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM, as Excel writes it) or GB18030 (Chinese Excel's default)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("The file is neither UTF-8 nor GB18030 text."))


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{key}: {message}" if key != "__all__" else message
            for key, messages in error.message_dict.items()
            for message in messages
        ]
    return error.messages


def _quantity(text: str, *, minimum: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text}) from None
    if value < minimum:
        raise ValueError(_("Use a whole number of at least %(min)s.") % {"min": minimum})
    return value


def _check_code(value: str, label: str) -> str | None:
    if not value:
        return _("%(label)s is required.") % {"label": label}
    try:
        code_validator(value)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def catalogue_csv_read(data: bytes) -> CataloguePlan:
    """Read and check a whole file against the current catalogue; changes nothing."""
    plan = CataloguePlan()
    if len(data) > MAX_BYTES:
        plan.error(0, "", _("The file is larger than 5 MB; split it into several files."))
        return plan
    try:
        text = decode(data)
    except ValueError as error:
        plan.error(0, "", error)
        return plan
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        plan.error(1, "", _("The file is empty; the first line must name the columns."))
        return plan
    header = [name.strip() for name in header]
    columns, problems = _columns(header)
    for column, message in problems:
        plan.error(1, column, message)
    if problems:
        return plan

    records: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            start = line
            line = reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                plan.error(
                    start,
                    "",
                    _("This line has %(n)s cells but the header names %(m)s columns.")
                    % {"n": len(values), "m": len(header)},
                )
                continue
            records.append(
                (
                    start,
                    {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)},
                )
            )
            if len(records) > MAX_ROWS:
                plan.error(
                    start, "", _("More than %(max)s rows; split the file.") % {"max": MAX_ROWS}
                )
                return plan
    except csv.Error as error:
        plan.error(line, "", _("The CSV is malformed here: %(error)s") % {"error": error})
        return plan
    plan.rows = len(records)
    if not records:
        plan.error(2, "", _("The file has no rows below the header."))
        return plan
    _check_records(plan, records, columns)
    return plan


def _columns(header: list[str]) -> tuple[dict, list[tuple[str, str]]]:
    problems = []
    seen = set()
    warehouses = {w.code: w for w in Warehouse.objects.all()}
    stock_columns: dict[str, Warehouse] = {}
    for name in header:
        if name in seen:
            problems.append((name, _("The column “%(name)s” appears twice.") % {"name": name}))
        seen.add(name)
        if name.startswith((STOCK_PREFIX, SAFETY_PREFIX)):
            code = name.split(":", 1)[1].strip()
            if code not in warehouses:
                problems.append(
                    (
                        name,
                        _("There is no warehouse with the code “%(code)s”; create it first.")
                        % {"code": code},
                    )
                )
            else:
                stock_columns[name] = warehouses[code]
        elif name not in COLUMNS:
            problems.append(
                (
                    name,
                    _(
                        "Unknown column “%(name)s”. Known columns: %(known)s, stock:<warehouse>, safety:<warehouse>."
                    )
                    % {"name": name, "known": ", ".join(COLUMNS)},
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.append((name, _("The column “%(name)s” is missing.") % {"name": name}))
    return {"present": seen, "stock": stock_columns}, problems


def _check_records(plan: CataloguePlan, records, columns) -> None:
    from suppliers.services import product_parameters_clean, sku_variant_clean

    present = columns["present"]
    categories = {c.code: c for c in Category.objects.select_related("parent__parent")}
    product_codes = {r["product_code"].strip() for _, r in records}
    existing_products = {p.code: p for p in Product.objects.filter(code__in=product_codes)}
    sku_codes = {r["sku_code"].strip() for _, r in records if r["sku_code"].strip()}
    existing_skus = {
        s.code: s
        for s in Sku.objects.select_related("product")
        .prefetch_related("tiers")
        .filter(code__in=sku_codes)
    }
    barcodes = {r.get("barcode", "").strip() for _, r in records} - {""}
    barcode_owner = dict(Sku.objects.filter(barcode__in=barcodes).values_list("barcode", "code"))
    reserved = {
        (row.sku_id, row.warehouse_id): row.reserved
        for row in StockLevel.objects.filter(
            sku_id__in=[s.pk for s in existing_skus.values()], reserved__gt=0
        )
    }

    # Products: the first row of each product code defines it; later rows may repeat or omit.
    for line, row in records:
        code = row["product_code"].strip()
        problem = _check_code(code, _("The product code"))
        if problem:
            plan.error(line, "product_code", problem)
            continue
        if code in plan.products:
            first = plan.products[code]
            for column in PRODUCT_COLUMNS[1:]:
                value = row.get(column, "").strip()
                if column in present and value and value != first.raw.get(column, ""):
                    plan.error(
                        line,
                        column,
                        _(
                            "Product %(code)s has a different %(column)s on line %(first)s; "
                            "repeat it or leave the cell empty."
                        )
                        % {"code": code, "column": column, "first": first.line},
                    )
            continue
        product = ProductPlan(
            line=line,
            code=code,
            existing=existing_products.get(code),
            raw={c: row.get(c, "").strip() for c in PRODUCT_COLUMNS},
        )
        plan.products[code] = product
        _check_product(plan, product, present, categories, product_parameters_clean)

    # SKUs.
    seen_skus: dict[str, int] = {}
    seen_barcodes: dict[str, int] = {}
    variants: dict[str, dict[str, int]] = {}  # product code -> variant key -> line
    for line, row in records:
        product_code = row["product_code"].strip()
        product = plan.products.get(product_code)
        if product is None:  # its product code is wrong: already reported
            continue
        code = row["sku_code"].strip()
        if not code:
            sku_values = [row.get(c, "").strip() for c in SKU_COLUMNS[1:]]
            if any(sku_values):
                plan.error(line, "sku_code", _("Give the SKU code of this row's SKU."))
            continue
        problem = _check_code(code, _("The SKU code"))
        if problem:
            plan.error(line, "sku_code", problem)
            continue
        if code in seen_skus:
            plan.error(
                line,
                "sku_code",
                _("SKU %(code)s is already on line %(first)s.")
                % {"code": code, "first": seen_skus[code]},
            )
            continue
        seen_skus[code] = line
        existing = existing_skus.get(code)
        if existing is not None and existing.product.code != product_code:
            plan.error(
                line,
                "sku_code",
                _("SKU %(code)s belongs to product %(product)s, not %(this)s.")
                % {"code": code, "product": existing.product.code, "this": product_code},
            )
            continue
        sku = SkuPlan(line=line, product_code=product_code, code=code, existing=existing)
        category = product.fields.get("category")
        _check_sku(
            plan,
            sku,
            row,
            present,
            product,
            category,
            sku_variant_clean,
            barcode_owner,
            seen_barcodes,
        )
        for column, warehouse in columns["stock"].items():
            value = row.get(column, "").strip()
            if not value:
                continue
            try:
                quantity = _quantity(value, minimum=0)
            except ValueError as error:
                plan.error(line, column, error)
                continue
            key = "on_hand" if column.startswith(STOCK_PREFIX) else "safety_stock"
            sku.stock.setdefault(warehouse.pk, {})[key] = quantity
            held = reserved.get((existing.pk, warehouse.pk), 0) if existing else 0
            if key == "on_hand" and quantity < held:
                plan.error(
                    line,
                    column,
                    _(
                        "On hand in %(warehouse)s cannot be %(qty)s: %(reserved)s units are "
                        "reserved for orders."
                    )
                    % {"warehouse": warehouse.code, "qty": quantity, "reserved": held},
                )
        if "variant" in sku.fields:
            key = kv_format(sku.fields["variant"])
            product_variants = variants.setdefault(product_code, {})
            if key in product_variants:
                plan.error(
                    line,
                    "variant",
                    _("Product %(product)s already has this variant on line %(first)s.")
                    % {"product": product_code, "first": product_variants[key]},
                )
            product_variants[key] = line
        plan.skus.append(sku)

    # Products to be listed must be complete: report it now rather than after a fix-up round.
    _check_listing_complete(plan)

    # Variants of SKUs already in the catalogue but not in the file must stay distinct too.
    listed_codes = set(seen_skus)
    for product_code, product_variants in variants.items():
        product = plan.products[product_code]
        if product.existing is None:
            continue
        for other in Sku.objects.filter(product=product.existing).exclude(code__in=listed_codes):
            key = kv_format(other.variant)
            if key in product_variants:
                plan.error(
                    product_variants[key],
                    "variant",
                    _("SKU %(code)s of this product already has this variant.")
                    % {"code": other.code},
                )


def _check_listing_complete(plan: CataloguePlan) -> None:
    from catalog.selectors import category_parameter_specs, category_variant_specs

    for product in plan.products.values():
        category = product.fields.get("category")
        if product.status != ProductStatus.LISTED or category is None:
            continue
        parameters = product.fields.get(
            "parameters", product.existing.parameters if product.existing else {}
        )
        missing = [
            spec.code
            for spec in category_parameter_specs(category=category)
            if spec.required and not parameters.get(spec.code)
        ]
        if missing:
            plan.error(
                product.line,
                "parameters",
                _("To be listed, the product needs the parameters: %(codes)s.")
                % {"codes": ", ".join(missing)},
            )
        required_axes = [s.code for s in category_variant_specs(category=category) if s.required]
        for sku in plan.skus:
            if sku.product_code != product.code or "variant" not in sku.fields:
                continue
            absent = [code for code in required_axes if not sku.fields["variant"].get(code)]
            if absent and sku.fields.get("is_active", True):
                plan.error(
                    sku.line,
                    "variant",
                    _("To be listed, the SKU needs the variant values: %(codes)s.")
                    % {"codes": ", ".join(absent)},
                )


def _check_product(plan, product: ProductPlan, present, categories, parameters_clean) -> None:
    raw, line = product.raw, product.line
    name = raw["product_name"]
    if not name:
        plan.error(line, "product_name", _("The product name is required."))
    elif len(name) > 200:
        plan.error(line, "product_name", _("The product name has more than 200 characters."))
    else:
        product.fields["name"] = name
    category = categories.get(raw["category_code"])
    if category is None:
        plan.error(
            line,
            "category_code",
            _("There is no category with the code “%(code)s”.") % {"code": raw["category_code"]},
        )
    elif not category.is_leaf:
        plan.error(
            line,
            "category_code",
            _("“%(code)s” is not a third-level category; products belong to a leaf category.")
            % {"code": category.code},
        )
    elif not category.is_active and (
        product.existing is None or product.existing.category_id != category.pk
    ):
        plan.error(
            line,
            "category_code",
            _("The category “%(code)s” is no longer in use.") % {"code": category.code},
        )
    else:
        product.fields["category"] = category
    if "brand" in present:
        if len(raw["brand"]) > 100:
            plan.error(line, "brand", _("The brand has more than 100 characters."))
        product.fields["brand"] = raw["brand"]
    if "unit" in present:
        if len(raw["unit"]) > 20:
            plan.error(line, "unit", _("The unit has more than 20 characters."))
        product.fields["unit"] = raw["unit"] or "件"
    if "product_moq" in present:
        try:
            product.fields["moq"] = (
                _quantity(raw["product_moq"], minimum=1) if raw["product_moq"] else 1
            )
        except ValueError as error:
            plan.error(line, "product_moq", error)
    if "description" in present:
        product.fields["description"] = raw["description"]
    if "status" in present and raw["status"]:
        status = raw["status"].lower()
        if status not in ProductStatus.values:
            plan.error(
                line,
                "status",
                _("Status must be one of: %(values)s.")
                % {"values": ", ".join(ProductStatus.values)},
            )
        else:
            from suppliers.services import _status_path

            current = product.existing.status if product.existing else ProductStatus.DRAFT
            if _status_path(current, status) is None:
                plan.error(
                    line,
                    "status",
                    _("A product that is “%(from)s” cannot become “%(to)s”.")
                    % {"from": ProductStatus(current).label, "to": ProductStatus(status).label},
                )
            else:
                product.status = status
    if "parameters" in present and "category" in product.fields:
        try:
            product.fields["parameters"] = parameters_clean(
                category=product.fields["category"], parameters=kv_parse(raw["parameters"])
            )
        except ValueError as error:
            plan.error(line, "parameters", error)
        except ValidationError as error:
            for message in _messages(error):
                plan.error(line, "parameters", message)


def _check_sku(
    plan,
    sku: SkuPlan,
    row,
    present,
    product: ProductPlan | None,
    category,
    variant_clean,
    barcode_owner,
    seen_barcodes,
) -> None:
    line = sku.line
    prices = {}
    for column in ("supply_price", "suggested_retail_price", "min_resale_price"):
        value = row.get(column, "").strip()
        if not value:
            plan.error(line, column, _("A price is required."))
            continue
        try:
            prices[column] = money_parse(value)
        except ValueError as error:
            plan.error(line, column, error)
    sku.fields.update(prices)
    if "barcode" in present:
        barcode = row.get("barcode", "").strip()
        if barcode:
            try:
                barcode_validator(barcode)
            except ValidationError as error:
                plan.error(line, "barcode", " ".join(error.messages))
            else:
                owner = barcode_owner.get(barcode)
                if owner and owner != sku.code:
                    plan.error(
                        line,
                        "barcode",
                        _("Barcode %(barcode)s is already used by SKU %(owner)s.")
                        % {"barcode": barcode, "owner": owner},
                    )
                elif barcode in seen_barcodes:
                    plan.error(
                        line,
                        "barcode",
                        _("Barcode %(barcode)s is already on line %(first)s.")
                        % {"barcode": barcode, "first": seen_barcodes[barcode]},
                    )
                seen_barcodes.setdefault(barcode, line)
        sku.fields["barcode"] = barcode
    if "sku_moq" in present:
        value = row.get("sku_moq", "").strip()
        try:
            sku.fields["moq"] = _quantity(value, minimum=1) if value else None
        except ValueError as error:
            plan.error(line, "sku_moq", error)
    if "sku_active" in present:
        value = row.get("sku_active", "").strip().lower()
        if value in TRUE_WORDS or value == "":
            sku.fields["is_active"] = True
        elif value in FALSE_WORDS:
            sku.fields["is_active"] = False
        else:
            plan.error(line, "sku_active", _("Write 1 (active) or 0 (inactive)."))
    if "variant" in present and category is not None:
        try:
            sku.fields["variant"] = variant_clean(
                category=category, variant=kv_parse(row.get("variant", ""))
            )
        except ValueError as error:
            plan.error(line, "variant", error)
        except ValidationError as error:
            for message in _messages(error):
                plan.error(line, "variant", message)
    elif sku.existing is None:
        sku.fields.setdefault("variant", {})
    if "tiers" in present:
        try:
            sku.tiers = tiers_parse(row.get("tiers", ""))
        except ValueError as error:
            plan.error(line, "tiers", error)
    if len(prices) == 3:
        product_moq = None
        if product is not None:
            product_moq = product.fields.get("moq") or (
                product.existing.moq if product.existing else 1
            )
        sku_moq = sku.fields.get("moq", sku.existing.moq if sku.existing else None)
        tiers = sku.tiers
        if tiers is None and sku.existing is not None:
            tiers = [(t.min_quantity, t.unit_price) for t in sku.existing.tiers.all()]
        errors = price_rule_errors(**prices, tiers=tiers or [], moq=sku_moq or product_moq or 1)
        for column, messages in errors.items():
            for message in messages:
                plan.error(line, column, message)


def catalogue_csv_write(out, *, products, warehouses: list[Warehouse]) -> int:
    """Write the catalogue (products with prefetched skus, tiers, stock levels); returns rows."""
    writer = csv.writer(out)
    stock_columns = [f"{STOCK_PREFIX}{w.code}" for w in warehouses]
    safety_columns = [f"{SAFETY_PREFIX}{w.code}" for w in warehouses]
    writer.writerow(COLUMNS + stock_columns + safety_columns)
    rows = 0
    for product in products:
        product_cells = [
            product.code,
            product.name,
            product.category.code,
            product.brand,
            product.unit,
            str(product.moq),
            product.status,
            kv_format(product.parameters),
            product.description,
        ]
        skus = list(product.skus.all())
        if not skus:
            writer.writerow(product_cells + [""] * (len(SKU_COLUMNS) + 2 * len(warehouses)))
            rows += 1
            continue
        for sku in skus:
            levels = {level.warehouse_id: level for level in sku.stock_levels.all()}
            writer.writerow(
                product_cells
                + [
                    sku.code,
                    sku.barcode,
                    kv_format(sku.variant),
                    f"{sku.supply_price:.2f}",
                    f"{sku.suggested_retail_price:.2f}",
                    f"{sku.min_resale_price:.2f}",
                    str(sku.moq or ""),
                    tiers_format([(t.min_quantity, t.unit_price) for t in sku.tiers.all()]),
                    "1" if sku.is_active else "0",
                ]
                + [str(levels[w.pk].on_hand) if w.pk in levels else "" for w in warehouses]
                + [str(levels[w.pk].safety_stock) if w.pk in levels else "" for w in warehouses]
            )
            rows += 1
    return rows
