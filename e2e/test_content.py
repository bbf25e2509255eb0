"""院务公开 in Chromium: an editor writes a notice with the rich-text editor and submits it,
the integrity office publishes it, and a reader on a phone finds it on the public column."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, PHONE, screenshot, sign_in
from e2e.test_phone_width import overflow
from lianfang.content.models import Article
from lianfang.portal.models import PortalColumn, PortalSite

pytestmark = pytest.mark.e2e


def test_a_notice_goes_through_review_to_the_public_column(world, new_page, live_server):
    notices = PortalColumn.objects.create(
        organisation=world.hospital,
        code="notices",
        name="通知公告",
        kind="notices",
        editor_roles=["staff"],
    )
    PortalSite.objects.create(organisation=world.hospital, enabled=True)
    cache.clear()  # the portal remembers a site's state; this one was just opened
    editor = new_page(DESKTOP)
    sign_in(editor, live_server, world.users["staff"])
    editor.goto("/content/")
    editor.get_by_test_id("article-new").click()
    editor.fill("#id_title", "关于开展廉洁从业集中教育的通知")
    editor.fill("#id_summary", "全院职工于本月内完成学习。")
    body = editor.locator(".prose-editor [contenteditable=true]")
    expect(body).to_be_visible()  # the editor built itself under the CSP
    body.click()
    editor.keyboard.type("请各科室组织职工学习《九项准则》。")
    editor.fill("#id_author_department", "纪委办公室")
    screenshot(editor, "content-editor")
    editor.get_by_test_id("article-save").click()
    expect(editor.get_by_test_id("article-status")).to_have_text("草稿")
    expect(editor.get_by_test_id("article-preview")).to_contain_text("九项准则")
    editor.get_by_test_id("article-submit").click()
    expect(editor.get_by_test_id("article-status")).to_have_text("待审核")
    article = Article.objects.get()
    assert article.column == notices and "<p>" in article.body

    reviewer = new_page(DESKTOP)
    sign_in(reviewer, live_server, world.users["integrity"])
    reviewer.goto("/content/review/")
    reviewer.get_by_role("link", name="关于开展廉洁从业集中教育的通知").click()
    screenshot(reviewer, "content-review")
    reviewer.get_by_test_id("article-publish").click()
    expect(reviewer.get_by_test_id("article-status")).to_have_text("已发布")

    reader = new_page(PHONE)
    reader.goto(f"/gk/{world.hospital.code}/c/notices/")
    items = reader.get_by_test_id("column-items")
    expect(items).to_contain_text("关于开展廉洁从业集中教育的通知")
    assert overflow(reader) is None
    screenshot(reader, "content-public-column-phone")
    items.get_by_role("link", name="关于开展廉洁从业集中教育的通知").click()
    expect(reader.get_by_test_id("public-article")).to_contain_text("九项准则")
    assert overflow(reader) is None
    assert not reader.context.cookies()  # the public gets no session cookie
    screenshot(reader, "content-public-article-phone")

    # the staff pages at phone width: the list and the article's page
    phone = new_page(PHONE)
    sign_in(phone, live_server, world.users["integrity"])
    for path, name in (
        ("/content/", "content-list-phone"),
        (f"/content/{article.pk}/", "content-detail-phone"),
        ("/content/review/", "content-review-phone"),
    ):
        phone.goto(path)
        assert overflow(phone) is None, path
        screenshot(phone, name)


def test_the_editors_image_button_uploads_and_inserts_an_image(world, new_page, live_server):
    """The image button appears once the draft is saved, uploads a PNG under the CSP and puts
    it in the body; the saved body shows it in the preview."""
    import io

    from PIL import Image

    from lianfang.content import services

    news = PortalColumn.objects.create(
        organisation=world.hospital,
        code="news",
        name="医院新闻",
        kind="news",
        editor_roles=["staff"],
    )
    article = services.article_create(
        actor=world.users["staff"], column=news, data={"title": "院景图片新闻"}
    )
    png = io.BytesIO()
    Image.new("RGB", (120, 80), (180, 40, 40)).save(png, format="PNG")
    editor = new_page(DESKTOP)
    sign_in(editor, live_server, world.users["staff"])
    editor.goto("/content/", timeout=30000)  # the first request of a cold server
    editor.goto(f"/content/{article.pk}/edit/", timeout=30000)
    button = editor.locator(".prose-menubar [data-name=imageUpload]")
    expect(button).to_be_visible(timeout=20000)  # the editor's module is large
    editor.locator(".prose-editor [contenteditable=true]").click()
    with editor.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(
        files=[{"name": "院景.png", "mimeType": "image/png", "buffer": png.getvalue()}]
    )
    image = editor.locator(".prose-editor [contenteditable=true] img")
    expect(image).to_have_count(1)
    # inserted at once, loaded from the file store a moment later
    editor.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=20000
    )
    assert editor.evaluate("(img) => img.naturalWidth", image.element_handle()) == 120
    screenshot(editor, "content-editor-image")
    editor.get_by_test_id("article-save").click()
    expect(editor.get_by_test_id("article-preview").locator("img")).to_have_count(1)
    article.refresh_from_db()
    assert f"/gk/{world.hospital.code}/articles/{article.pk}/images/" in article.body
