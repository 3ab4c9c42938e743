"""The common Chinese express carriers, so suppliers can ship from day one. Platform staff add
others and set each carrier's callback secret in the admin."""

from django.db import migrations

CARRIERS = [
    ("sf", "顺丰速运", "SF Express", "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}"),
    ("jd", "京东物流", "JD Logistics", ""),
    ("ems", "中国邮政 EMS", "China Post EMS", ""),
    ("zto", "中通快递", "ZTO Express", ""),
    ("yto", "圆通速递", "YTO Express", ""),
    ("sto", "申通快递", "STO Express", ""),
    ("yunda", "韵达速递", "Yunda Express", ""),
    ("deppon", "德邦快递", "Deppon Express", ""),
    ("self", "自行配送", "Own delivery", ""),
]


def carriers_add(apps, schema_editor):
    Carrier = apps.get_model("routing", "Carrier")
    for code, name_zh, name_en, url in CARRIERS:
        Carrier.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "tracking_url": url}
        )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(carriers_add, migrations.RunPython.noop)]
