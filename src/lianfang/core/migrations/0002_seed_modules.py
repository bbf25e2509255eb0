# Module rows used to be seeded here, some for apps that do not exist. They now follow the
# installed apps: each app declares its modules and core creates their rows after migrate
# (core.services.modules_sync). Kept, empty, for the migration history.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = []
