# Earlier migrations seeded module rows for apps that were never built (the disclosure portal
# and its columns). A module row exists while its app does: remove the rows no installed app
# declares. The declared rows are (re)created after migrate by core.services.modules_sync.
from django.db import migrations


def remove_modules_without_app(apps, schema_editor):
    from lianfang.core.navigation import declarations

    declared = [spec.code for spec in declarations().modules]
    Module = apps.get_model("core", "Module")
    Module.objects.using(schema_editor.connection.alias).exclude(code__in=declared).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0006_job")]
    operations = [migrations.RunPython(remove_modules_without_app, migrations.RunPython.noop)]
