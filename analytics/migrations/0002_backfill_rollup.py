"""Fill the trends rollup from conversations that existed before the analytics tables."""

from django.db import migrations

from analytics.rollup import rebuild_all


def backfill(apps, schema_editor):
    rebuild_all()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_trends_rollup"),
        ("scoring", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
