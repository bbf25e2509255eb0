"""The editor's image button: uploads through the shared file store (re-encoded by Pillow,
within the size and pixel limits, a decompression bomb refused), stored in the body by the
public address, shown inside by the staff one."""

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from lianfang.content import images, services
from lianfang.content.attachments import IMAGE, IMAGE_MAX_BYTES
from lianfang.core.attachments import attachment_content
from lianfang.core.models import Attachment, AuditEvent


def picture(fmt="PNG", size=(30, 20), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 0).save(out, format=fmt)
    return out.getvalue()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def draft(world, column):
    return services.article_create(
        actor=world.users["staff"], column=column, data={"title": "带图片的新闻"}
    )


def upload(client, article, content, name="图.png"):
    url = reverse("content:article_image_upload", args=[article.pk])
    response = client.post(url, {"image": SimpleUploadedFile(name, content)})
    is_json = response["Content-Type"] == "application/json"
    return response, json.loads(response.content) if is_json else None


def test_an_editor_uploads_a_reencoded_image_and_the_body_keeps_its_public_address(world, columns):
    news, _ = columns
    article = draft(world, news)
    editor = signed_in(world.users["staff"])
    jpeg = picture("JPEG") + b"<script>alert(1)</script>"
    response, answer = upload(editor, article, jpeg, "照片.jpg")
    assert response.status_code == 201, answer
    stored = Attachment.objects.get(use=IMAGE)
    assert answer["url"] == images.staff_url(stored.pk)
    assert stored.mime_type == "image/jpeg" and b"<script>" not in attachment_content(stored)
    assert AuditEvent.objects.filter(action="attachment.save", object_id=str(stored.pk)).exists()
    assert editor.get(answer["url"]).status_code == 200  # the editor shows it before publication

    # the form sends back what the editor shows: the staff address, and a foreign image
    body = (
        f'<p>图：</p><img src="{answer["url"]}" alt="院景"><img src="https://evil.example/x.png">'
    )
    services.article_update(
        actor=world.users["staff"], article=article, data={"title": article.title, "body": body}
    )
    article.refresh_from_db()
    public = images.public_url(article, stored.pk)
    assert f'src="{public}"' in article.body and "evil.example" not in article.body
    edit = editor.get(reverse("content:article_edit", args=[article.pk])).content.decode()
    assert images.staff_url(stored.pk) in edit and "data-image-upload" in edit
    preview = editor.get(reverse("content:article_detail", args=[article.pk])).content.decode()
    assert f'src="{images.staff_url(stored.pk)}"' in preview

    anonymous = Client()
    assert anonymous.get(public).status_code == 404  # not before it is published
    services.article_submit(actor=world.users["staff"], article=article)
    services.article_publish(actor=world.users["integrity"], article=article)
    shown = anonymous.get(public)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    page = anonymous.get(
        reverse("portal:item", args=[world.hospital.code, news.code, article.pk])
    ).content.decode()
    assert f'src="{public}"' in page


def test_bad_images_are_refused_with_a_message_and_nothing_is_kept(world, columns):
    article = draft(world, columns[0])
    editor = signed_in(world.users["staff"])
    bomb = picture(size=(10_000, 5_000), mode="1")  # 50 megapixels in a few KB
    too_big = picture() + b"\0" * IMAGE_MAX_BYTES
    for content, words in (
        (bomb, "像素"),
        (too_big, "上限"),
        (b"%PDF-1.4\n%%EOF\n", "不支持"),
        (b"\x89PNG\r\n\x1a\nnot really", "无法读取"),
    ):
        response, answer = upload(editor, article, content)
        assert response.status_code == 400 and words in answer["error"], answer
    missing = editor.post(reverse("content:article_image_upload", args=[article.pk]))
    assert missing.status_code == 400 and json.loads(missing.content)["error"]
    assert not Attachment.objects.filter(use=IMAGE).exists()


def test_only_the_articles_editors_while_it_is_a_draft(world, columns):
    article = draft(world, columns[0])
    outsider, _ = upload(signed_in(world.users["outsider"]), article, picture())
    assert outsider.status_code == 404
    services.article_submit(actor=world.users["staff"], article=article)
    submitted, _ = upload(signed_in(world.users["staff"]), article, picture())
    assert submitted.status_code == 403
    assert not Attachment.objects.filter(use=IMAGE).exists()
    new_page = signed_in(world.users["staff"]).get(reverse("content:article_create"))
    assert "data-image-upload" not in new_page.content.decode()  # saved first, then images
