"""The second half of org.0003: the old ImageField's column goes, and the attachment takes
the field's name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("org", "0003_person_photo_attachment")]

    operations = [
        migrations.RemoveField("person", "photo_file"),
        migrations.RenameField("person", "photo_attachment", "photo"),
    ]
