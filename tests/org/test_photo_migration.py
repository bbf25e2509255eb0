"""Migration org.0003: the photos uploaded before (ImageField files under MEDIA_ROOT) become
attachments of use person_photo, checked and re-encoded as a new upload is; a file that is
gone or that the use refuses is dropped, and the migration goes on."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lianfang.core.attachments import attachment_content
from lianfang.org.models import Person

BEFORE = [("org", "0002_power_catalogue")]


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 30), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_old_photo_files_become_attachments(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"
    executor = MigrationExecutor(connection)
    # every app's latest: going back to org 0002 also unapplied what depends on later org
    # migrations (accounts' among them), which must all come back for the tests after this one
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("org", "Person")
    kept = default_storage.save("people/leader.png", ContentFile(png()))
    default_storage.save("people/fake.png", ContentFile(b"not an image"))
    old.objects.filter(pk=world.leader_person.pk).update(photo=kept)
    old.objects.filter(pk=world.staff_person.pk).update(photo="people/gone.png")
    old.objects.filter(pk=world.head_person.pk).update(photo="people/fake.png")

    executor = MigrationExecutor(connection)
    executor.migrate(leaves)

    leader = Person.objects.select_related("photo").get(pk=world.leader_person.pk)
    assert leader.photo.use == "person_photo" and leader.photo.mime_type == "image/png"
    assert leader.photo.organisation_id == world.hospital.pk
    assert attachment_content(leader.photo).startswith(b"\x89PNG")
    assert leader.photo.target == leader
    assert Person.objects.get(pk=world.staff_person.pk).photo_id is None
    assert Person.objects.get(pk=world.head_person.pk).photo_id is None
