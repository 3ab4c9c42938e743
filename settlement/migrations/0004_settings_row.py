"""The platform's settlement settings exist from the start (one row, edited in the admin)."""

from django.db import migrations


def settings_row(apps, schema_editor):
    apps.get_model("settlement", "SettlementSettings").objects.get_or_create(singleton=1)


class Migration(migrations.Migration):
    dependencies = [("settlement", "0003_statement_overrides_statement_rewards_and_more")]

    operations = [migrations.RunPython(settings_row, migrations.RunPython.noop)]
