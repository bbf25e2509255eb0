"""The flows' use of the shared attachments (core.attachments): files of an instance."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.attachments import DOCUMENTS, IMAGES, AttachmentUse, register_use

from . import selectors

FLOW_ATTACHMENT = register_use(
    AttachmentUse(
        code="flow_attachment",
        label=_("办件附件"),
        types=(*DOCUMENTS, *IMAGES),
        max_bytes=20 * 1024 * 1024,
        may_read=lambda user, instance: (
            selectors.instances_visible_to(user).filter(pk=instance.pk).exists()
        ),
        may_attach=lambda user, instance: (
            instance.applicant_id == user.pk
            or instance.tasks.filter(assignee_id=user.pk, state="ready").exists()
        ),
        max_files=30,
    )
).code
