"""The images of an article's body (the editor's image button).

An image is uploaded to an article already saved (`services.article_image_add`, through the
shared file store: core.attachments checks the bytes, re-encodes them with Pillow under its
size and pixel limits and refuses a decompression bomb). The body stores the image by its
public address, `/gk/<code>/articles/<pk>/images/<file>/` (the one form of image the
sanitiser keeps, `sanitise.OWN_IMAGE`), which answers only once the article is published.
Inside the platform (the editor, the preview) the same image is read through
`core:attachment_download`, which asks who may read the article; `to_staff` and `to_public`
turn one form into the other for this article's own images, and nothing else.
"""

import re

from django.urls import reverse

from lianfang.core.attachments import IMAGES, attachments_of

PUBLIC = re.compile(r"/gk/([A-Za-z0-9_-]+)/articles/(\d+)/images/(\d+)/")


def public_url(article, file_pk: int) -> str:
    return reverse(
        "content_public:image",
        kwargs={"org_code": article.organisation.code, "pk": article.pk, "file_pk": file_pk},
    )


def staff_url(file_pk: int) -> str:
    return reverse("core:attachment_download", args=[file_pk])


def _own_images(article) -> set[int]:
    if article.pk is None:
        return set()
    return set(
        attachments_of(article).filter(mime_type__in=list(IMAGES)).values_list("pk", flat=True)
    )


def to_public(html: str, article) -> str:
    """`html` with this article's images given by their staff address (as the editor shows
    them) written with their public address; any other image is left for the sanitiser."""
    own = _own_images(article)
    if not own or not html:
        return html
    for pk in own:
        html = html.replace(f'src="{staff_url(pk)}"', f'src="{public_url(article, pk)}"')
    return html


def to_staff(html: str, article) -> str:
    """`html` with this article's public image addresses turned into ones its editors and
    reviewers can read before it is published."""
    own = _own_images(article)
    if not own or not html:
        return html

    def swap(match):
        code, article_pk, file_pk = match.group(1), int(match.group(2)), int(match.group(3))
        if code == article.organisation.code and article_pk == article.pk and file_pk in own:
            return staff_url(file_pk)
        return match.group(0)

    return PUBLIC.sub(swap, html)
