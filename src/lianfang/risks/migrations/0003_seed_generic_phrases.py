"""Seed the global list of generic phrases (空泛表述) from the built-in list.

Idempotent: a phrase already present (active or disabled by an officer) is left as it is.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from lianfang.risks.vagueness import DEFAULT_PHRASES

    GenericPhrase = apps.get_model("risks", "GenericPhrase")
    existing = set(
        GenericPhrase.objects.filter(organisation__isnull=True).values_list("phrase", flat=True)
    )
    GenericPhrase.objects.bulk_create(
        GenericPhrase(phrase=phrase, reason="", active=True)
        for phrase in dict.fromkeys(DEFAULT_PHRASES)
        if phrase not in existing
    )


class Migration(migrations.Migration):
    dependencies = [
        ("risks", "0002_riskpoint_level_manual"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
