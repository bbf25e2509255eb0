# The risks module's row now comes from the risks app's declaration (core.services.modules_sync).
# Kept, empty, for the migration history.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0004_auditevent_actor_keep_id")]
    operations = []
