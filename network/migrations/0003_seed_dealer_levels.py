"""Seed the three dealer levels the platform starts with (the admin edits them afterwards)."""

from decimal import Decimal

from django.db import migrations

LEVELS = [
    # code, Chinese, English, rank, order for buyers, promote, recruit, override %
    ("provincial", "省级代理", "Provincial agent", 1, True, True, True, Decimal("3.00")),
    ("city", "市级代理", "City agent", 2, True, True, True, Decimal("2.00")),
    ("terminal", "终端门店", "Terminal store", 3, True, True, False, Decimal("0.00")),
]


def seed(apps, schema_editor):
    if schema_editor.connection.schema_name != "public":
        return
    DealerLevel = apps.get_model("network", "DealerLevel")
    for code, name_zh, name_en, rank, order, promote, recruit, override in LEVELS:
        DealerLevel.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "rank": rank,
                "may_order_for_buyers": order,
                "may_promote": promote,
                "may_recruit": recruit,
                "override_percent": override,
            },
        )


def unseed(apps, schema_editor):
    if schema_editor.connection.schema_name != "public":
        return
    DealerLevel = apps.get_model("network", "DealerLevel")
    DealerLevel.objects.filter(
        code__in=[row[0] for row in LEVELS], dealers__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("network", "0002_authorisation_rules_exclusive_regions")]

    operations = [migrations.RunPython(seed, unseed)]
