"""A realistic three-level category tree with specification templates, for demos and tests.

``category_tree_seed()`` is idempotent: it creates what is missing and updates names, so
running it twice changes nothing.
"""

from __future__ import annotations

from django.db import connection, transaction

from catalog.models import Category, CategorySpec, SpecKind, SpecValueType
from catalog.services import category_save

T, N, C = SpecValueType.TEXT, SpecValueType.NUMBER, SpecValueType.CHOICE
P, V = SpecKind.PARAMETER, SpecKind.VARIANT

# (code, 中文, English, children)
CATEGORY_TREE = [
    (
        "electronics",
        "电子产品",
        "Electronics",
        [
            (
                "phones",
                "手机通讯",
                "Phones",
                [
                    ("smartphones", "智能手机", "Smartphones"),
                    ("feature-phones", "功能手机", "Feature phones"),
                    ("phone-accessories", "手机配件", "Phone accessories"),
                ],
            ),
            (
                "computers",
                "电脑办公",
                "Computers & office",
                [
                    ("laptops", "笔记本电脑", "Laptops"),
                    ("desktops", "台式电脑", "Desktop computers"),
                    ("monitors", "显示器", "Monitors"),
                    ("printers", "打印机", "Printers"),
                ],
            ),
            (
                "audio-video",
                "影音娱乐",
                "Audio & video",
                [
                    ("headphones", "耳机", "Headphones"),
                    ("speakers", "音箱", "Speakers"),
                    ("cameras", "数码相机", "Digital cameras"),
                ],
            ),
        ],
    ),
    (
        "home-appliances",
        "家用电器",
        "Home appliances",
        [
            (
                "large-appliances",
                "大家电",
                "Large appliances",
                [
                    ("refrigerators", "冰箱", "Refrigerators"),
                    ("washing-machines", "洗衣机", "Washing machines"),
                    ("air-conditioners", "空调", "Air conditioners"),
                    ("televisions", "电视", "Televisions"),
                ],
            ),
            (
                "kitchen-appliances",
                "厨房电器",
                "Kitchen appliances",
                [
                    ("rice-cookers", "电饭煲", "Rice cookers"),
                    ("microwave-ovens", "微波炉", "Microwave ovens"),
                    ("water-purifiers", "净水器", "Water purifiers"),
                ],
            ),
        ],
    ),
    (
        "daily-chemicals",
        "日用百货",
        "Household & personal care",
        [
            (
                "personal-care",
                "个人护理",
                "Personal care",
                [
                    ("shampoo", "洗发水", "Shampoo"),
                    ("body-wash", "沐浴露", "Body wash"),
                    ("toothpaste", "牙膏", "Toothpaste"),
                ],
            ),
            (
                "household-cleaning",
                "家居清洁",
                "Household cleaning",
                [
                    ("laundry-detergent", "洗衣液", "Laundry detergent"),
                    ("dish-soap", "洗洁精", "Dishwashing liquid"),
                    ("paper-products", "纸品湿巾", "Paper products"),
                ],
            ),
        ],
    ),
    (
        "food-beverage",
        "食品饮料",
        "Food & beverages",
        [
            (
                "beverages",
                "饮料冲调",
                "Beverages",
                [
                    ("tea", "茶叶", "Tea"),
                    ("coffee", "咖啡", "Coffee"),
                    ("bottled-water", "饮用水", "Bottled water"),
                ],
            ),
            (
                "snacks",
                "休闲食品",
                "Snacks",
                [
                    ("biscuits", "饼干糕点", "Biscuits & pastries"),
                    ("nuts", "坚果炒货", "Nuts & seeds"),
                ],
            ),
        ],
    ),
    (
        "industrial",
        "工业用品",
        "Industrial supplies",
        [
            (
                "tools",
                "五金工具",
                "Tools & hardware",
                [
                    ("power-tools", "电动工具", "Power tools"),
                    ("hand-tools", "手动工具", "Hand tools"),
                ],
            ),
            (
                "safety",
                "劳保用品",
                "Safety equipment",
                [
                    ("safety-gloves", "防护手套", "Safety gloves"),
                    ("safety-shoes", "安全鞋", "Safety shoes"),
                ],
            ),
            (
                "office-supplies",
                "办公用品",
                "Office supplies",
                [
                    ("copy-paper", "复印纸", "Copy paper"),
                    ("stationery", "文具", "Stationery"),
                ],
            ),
        ],
    ),
]

# category code: [(code, 中文, English, kind, value type, choices, unit, required)]
SPEC_TEMPLATES = {
    "electronics": [
        ("warranty_months", "保修期", "Warranty", P, N, [], "月", True),
    ],
    "smartphones": [
        ("screen_size", "屏幕尺寸", "Screen size", P, N, [], "英寸", True),
        ("cpu", "处理器", "Processor", P, T, [], "", True),
        ("battery", "电池容量", "Battery capacity", P, N, [], "mAh", True),
        ("network", "网络制式", "Network", P, C, ["5G", "4G"], "", True),
        ("os", "操作系统", "Operating system", P, C, ["Android", "HarmonyOS", "iOS"], "", False),
        ("color", "颜色", "Colour", V, T, [], "", True),
        (
            "storage",
            "存储容量",
            "Storage",
            V,
            C,
            ["64GB", "128GB", "256GB", "512GB", "1TB"],
            "",
            True,
        ),
    ],
    "laptops": [
        ("screen_size", "屏幕尺寸", "Screen size", P, N, [], "英寸", True),
        ("cpu", "处理器", "Processor", P, T, [], "", True),
        ("memory", "内存", "Memory", V, C, ["8GB", "16GB", "32GB", "64GB"], "", True),
        ("storage", "硬盘容量", "Storage", V, C, ["256GB", "512GB", "1TB", "2TB"], "", True),
        ("color", "颜色", "Colour", V, T, [], "", False),
    ],
    "televisions": [
        ("resolution", "分辨率", "Resolution", P, C, ["1080P", "4K", "8K"], "", True),
        ("energy_class", "能效等级", "Energy class", P, C, ["1级", "2级", "3级"], "", False),
        (
            "screen_size",
            "屏幕尺寸",
            "Screen size",
            V,
            C,
            ["43", "55", "65", "75", "85"],
            "英寸",
            True,
        ),
    ],
    "shampoo": [
        ("hair_type", "适用发质", "Hair type", P, C, ["通用", "干性", "油性", "受损"], "", True),
        ("shelf_life", "保质期", "Shelf life", P, N, [], "月", True),
        ("volume", "净含量", "Net volume", V, C, ["200ml", "400ml", "750ml", "1L"], "", True),
        ("scent", "香型", "Scent", V, T, [], "", False),
    ],
    "tea": [
        ("origin", "产地", "Origin", P, T, [], "", True),
        ("shelf_life", "保质期", "Shelf life", P, N, [], "月", True),
        ("grade", "等级", "Grade", P, C, ["特级", "一级", "二级"], "", False),
        ("weight", "净含量", "Net weight", V, C, ["100g", "250g", "500g"], "", True),
    ],
    "safety-gloves": [
        ("material", "材质", "Material", P, T, [], "", True),
        ("standard", "执行标准", "Standard", P, T, [], "", False),
        ("size", "尺码", "Size", V, C, ["S", "M", "L", "XL"], "", True),
    ],
    "copy-paper": [
        ("gsm", "克重", "Weight", P, N, [], "g/m²", True),
        ("sheets", "每包张数", "Sheets per ream", P, N, [], "张", True),
        ("paper_size", "规格", "Paper size", V, C, ["A4", "A3", "B5"], "", True),
    ],
}


def _upsert(code: str, name_zh: str, name_en: str, parent: Category | None, position: int):
    category = Category.objects.filter(code=code).first() or Category(code=code)
    changed = category.pk is None or (
        category.name_zh,
        category.name_en,
        category.parent_id,
        category.position,
    ) != (name_zh, name_en, parent.pk if parent else None, position)
    if changed:
        category.name_zh, category.name_en = name_zh, name_en
        category.parent, category.position = parent, position
        category_save(category=category)
    return category


def category_tree_seed() -> dict[str, int]:
    """Create or update the demo category tree and its templates; returns counts.

    Writes to the public schema; the caller's active tenant is restored afterwards.
    """
    previous = getattr(connection, "tenant", None)
    connection.set_schema_to_public()
    try:
        return _seed()
    finally:
        if previous is not None and previous.schema_name != connection.schema_name:
            connection.set_tenant(previous)


@transaction.atomic
def _seed() -> dict[str, int]:
    categories = {}
    for i, (code1, zh1, en1, level2) in enumerate(CATEGORY_TREE):
        top = categories[code1] = _upsert(code1, zh1, en1, None, i)
        for j, (code2, zh2, en2, leaves) in enumerate(level2):
            middle = categories[code2] = _upsert(code2, zh2, en2, top, j)
            for k, (code3, zh3, en3) in enumerate(leaves):
                categories[code3] = _upsert(code3, zh3, en3, middle, k)
    specs = 0
    for category_code, fields in SPEC_TEMPLATES.items():
        for position, (code, zh, en, kind, value_type, choices, unit, required) in enumerate(
            fields
        ):
            CategorySpec.objects.update_or_create(
                category=categories[category_code],
                code=code,
                defaults={
                    "name_zh": zh,
                    "name_en": en,
                    "kind": kind,
                    "value_type": value_type,
                    "choices": choices,
                    "unit": unit,
                    "required": required,
                    "position": position,
                },
            )
            specs += 1
    return {
        "categories": len(categories),
        "leaves": sum(1 for c in categories.values() if c.level == 3),
        "spec_fields": specs,
    }
