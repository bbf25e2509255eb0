"""The organisation app's uses of the shared attachments (core.attachments)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.attachments import IMAGES, AttachmentUse, register_use

from . import selectors

PHOTO_MAX_BYTES = 2 * 1024 * 1024

PERSON_PHOTO = register_use(
    AttachmentUse(
        code="person_photo",
        label=_("人员照片"),
        types=tuple(IMAGES),
        max_bytes=PHOTO_MAX_BYTES,
        may_read=lambda user, person: (
            selectors.people_visible_to(user).filter(pk=person.pk).exists()
        ),
        max_files=1,  # the current one: a new photo withdraws the one before
    )
).code
