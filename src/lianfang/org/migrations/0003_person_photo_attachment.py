"""A person's photo becomes an attachment (core.attachments, use `person_photo`): the files
uploaded before are read from MEDIA_ROOT, checked and re-encoded as any new upload is, and kept
in the attachments' store; one that is missing or that the use refuses is dropped with a line
on the console (installation data, like a migration's: no audit event)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models


def move_photos(apps, schema_editor):
    from lianfang.core import attachments as kit

    Person = apps.get_model("org", "Person")
    Attachment = apps.get_model("core", "Attachment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    people = Person.objects.exclude(photo_file="").exclude(photo_file__isnull=True)
    if not people.exists():
        return
    content_type, _created = ContentType.objects.get_or_create(app_label="org", model="person")
    use = kit.use_of("person_photo")
    for person in people.iterator():
        name = str(getattr(person.photo_file, "name", person.photo_file))
        try:
            with default_storage.open(name, "rb") as handle:
                upload = ContentFile(handle.read(), name=name)
            content, mime, received = kit.check_upload(use, upload)
        except (OSError, kit.AttachmentError) as error:
            print(f"\n  照片未迁移（人员 {person.pk}，{name}）：{error}")
            continue
        path = kit.store_content(content)
        attachment = Attachment.objects.create(
            use=use.code,
            content_type=content_type,
            object_id=person.pk,
            organisation_id=person.organisation_id,
            name=name.rsplit("/", 1)[-1][:200],
            mime_type=mime,
            size=len(content),
            sha256=received,
            encrypted=False,
            path=path,
        )
        Person.objects.filter(pk=person.pk).update(photo_attachment=attachment)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0012_org_settings"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("org", "0002_power_catalogue"),
    ]

    operations = [
        migrations.RenameField("person", "photo", "photo_file"),
        migrations.AddField(
            model_name="person",
            name="photo_attachment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="core.attachment",
                verbose_name="照片",
            ),
        ),
        migrations.RunPython(move_photos, migrations.RunPython.noop),
    ]
    # The old column goes in 0004: on PostgreSQL the rows written here hold deferred foreign
    # key checks that forbid altering the tables until this migration's transaction commits.
