from django.db import migrations


def seed(apps, schema_editor):
    Module = apps.get_model("core", "Module")
    Module.objects.get_or_create(
        code="risks",
        defaults={
            "name": "风险防控",
            "name_en": "Risk register",
            "icon": "exclamation-diamond",
            "order": 30,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_auditevent_actor_keep_id")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
