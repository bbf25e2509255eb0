"""The content module's uses of the shared attachments (core.attachments).

Images are re-encoded by core (Pillow, under its pixel limit: a decompression bomb is
refused); the limits here are per use. The public reads a published article's files through
`public_views` (files as downloads, images inline as the image they were re-encoded to);
inside, whoever may see the article reads them through `core:attachment_download`.
"""

from django.utils.translation import gettext_lazy as _

from lianfang.core.attachments import DOCUMENTS, IMAGES, AttachmentUse, register_use


def _may_read(user, article):
    from .selectors import articles_visible_to

    return articles_visible_to(user).filter(pk=article.pk).exists()


def _may_attach(user, article):
    from .permissions import may_edit

    return may_edit(user, article)


IMAGE_MAX_BYTES = 5 * 1024 * 1024
FILE_MAX_BYTES = 20 * 1024 * 1024

COVER = register_use(
    AttachmentUse(
        code="article_cover",
        label=_("公开内容封面"),
        types=tuple(IMAGES),
        max_bytes=IMAGE_MAX_BYTES,
        may_read=_may_read,
        may_attach=_may_attach,
        max_files=1,  # the current one: a new cover withdraws the one before
    )
).code
FILE = register_use(
    AttachmentUse(
        code="article_file",
        label=_("公开内容附件"),
        types=(*DOCUMENTS, *IMAGES),
        max_bytes=FILE_MAX_BYTES,
        may_read=_may_read,
        may_attach=_may_attach,
        max_files=10,  # documents, and images a body may show (sanitise.OWN_IMAGE)
    )
).code
IMAGE = register_use(
    AttachmentUse(
        code="article_image",
        label=_("公开内容正文图片"),
        types=tuple(IMAGES),
        max_bytes=IMAGE_MAX_BYTES,
        may_read=_may_read,
        may_attach=_may_attach,
        max_files=30,  # the images of a body (the editor's image button, `images`)
    )
).code
