"""The register's uses of the shared attachments (core.attachments)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.attachments import DOCUMENTS, IMAGES, AttachmentUse, register_use

from . import permissions, selectors

MEASURE_EVIDENCE = register_use(
    AttachmentUse(
        code="measure_evidence",
        label=_("措施落实凭证"),
        types=(*DOCUMENTS, *IMAGES),
        max_bytes=10 * 1024 * 1024,
        may_read=lambda user, measure: (
            selectors.measures_visible_to(user).filter(pk=measure.pk).exists()
        ),
        may_attach=permissions.may_record_progress,
        max_files=10,
    )
).code
