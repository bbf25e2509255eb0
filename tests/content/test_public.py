"""The public side: only what is published, cacheable, without a session cookie."""

import datetime as dt
import io
import json

import pytest
from defusedxml import ElementTree as ET
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from lianfang.content import services
from lianfang.core.models import Attachment
from lianfang.portal import columns as kinds

from .conftest import publish


def column_url(world, column):
    return reverse("portal:column", args=[world.hospital.code, column.code])


def article_url(article):
    """An article's one address: the item of its column."""
    return reverse("portal:item", args=[article.organisation.code, article.column.code, article.pk])


def old_url(article):
    """The second address, kept for links already out there: 301 to the first."""
    return reverse("content_public:article", args=[article.organisation.code, article.pk])


def png(width=40, height=30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_the_column_lists_published_items_pinned_first_and_drops_expired_notices(
    client, world, columns, today
):
    news, notices = columns
    publish(world, notices, "旧通知", published_on=today - dt.timedelta(days=9))
    publish(world, notices, "置顶通知", pinned=True, published_on=today - dt.timedelta(days=30))
    publish(
        world,
        notices,
        "过期通知",
        published_on=today - dt.timedelta(days=20),
        expires_on=today - dt.timedelta(days=1),
    )
    publish(world, notices, "今天到期", expires_on=today)
    services.article_create(actor=world.users["staff"], column=notices, data={"title": "草稿"})
    page = client.get(column_url(world, notices)).content.decode()
    titles = ["置顶通知", "今天到期", "旧通知"]
    assert [page.index(t) for t in titles] == sorted(page.index(t) for t in titles)
    assert "过期通知" not in page and "草稿" not in page


def test_an_item_is_404_until_published_and_410_once_withdrawn_or_expired(
    client, world, columns, today
):
    news, notices = columns
    draft = services.article_create(
        actor=world.users["staff"], column=news, data={"title": "未发布"}
    )
    assert client.get(article_url(draft)).status_code == 404
    assert client.get(old_url(draft)).status_code == 404
    services.article_submit(actor=world.users["staff"], article=draft)
    assert client.get(article_url(draft)).status_code == 404
    assert client.get(old_url(draft)).status_code == 404
    article = services.article_publish(actor=world.users["integrity"], article=draft)
    response = client.get(article_url(article))
    assert response.status_code == 200 and "未发布" in response.content.decode()
    services.article_withdraw(actor=world.users["integrity"], article=article, reason="有误")
    assert client.get(article_url(article)).status_code == 410
    assert client.get(old_url(article)).status_code == 410
    expired = publish(
        world,
        notices,
        "已过期",
        published_on=today - dt.timedelta(days=5),
        expires_on=today - dt.timedelta(days=1),
    )
    assert client.get(article_url(expired)).status_code == 410
    assert client.get(old_url(expired)).status_code == 410
    other = reverse("content_public:article", args=[world.other_hospital.code, article.pk])
    assert client.get(other).status_code == 404


def test_the_kinds_serve_the_portal(world, columns):
    news, _ = columns
    article = publish(world, news, "门户首页新闻", summary="摘要")
    kind = kinds.kind_of("news")
    assert {k.code for k in kinds.kinds()} >= {"news", "notices", "regulations", "page"}
    request = RequestFactory().get("/")
    request.user = world.users["nobody"]
    page = kind.view(request, organisation=world.hospital, column=news)
    assert page.status_code == 200 and "门户首页新闻" in page.content.decode()
    item = kind.item_view(request, organisation=world.hospital, column=news, item_id=article.pk)
    assert item.status_code == 200
    [latest] = kind.latest(organisation=world.hospital, column=news, limit=5)
    assert (latest.title, latest.url, latest.summary) == (
        "门户首页新闻",
        article_url(article),
        "摘要",
    )


def test_public_pages_are_cacheable_and_set_no_cookie(client, world, columns):
    news, _ = columns
    article = publish(world, news, "缓存")
    for url in (
        column_url(world, news),
        article_url(article),
        reverse("content_public:search", args=[world.hospital.code]) + "?q=缓存",
        reverse("content_public:feed_rss", args=[world.hospital.code]),
        reverse("content_public:feed_atom", args=[world.hospital.code]),
        reverse("content_public:feed_json", args=[world.hospital.code]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "public" in response["Cache-Control"], url
        assert response["ETag"] and response["Last-Modified"], url
        assert not response.cookies, url
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, url
    etag = client.get(column_url(world, news))["ETag"]
    publish(world, news, "又一篇")
    assert client.get(column_url(world, news), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_search_finds_chinese_text_in_title_and_body(client, world, columns):
    news, notices = columns
    publish(world, news, "医疗设备采购结果公示", body="<p>中标单位为某某医疗器械有限公司</p>")
    publish(world, notices, "职工疗休养安排")
    services.article_create(
        actor=world.users["staff"], column=news, data={"title": "采购草稿不可见"}
    )
    url = reverse("content_public:search", args=[world.hospital.code])
    page = client.get(url, {"q": "采购"}).content.decode()
    assert "医疗设备采购结果公示" in page and "采购草稿不可见" not in page
    assert "医疗设备采购结果公示" in client.get(url, {"q": "器械 中标"}).content.decode()
    assert "职工疗休养安排" not in client.get(url, {"q": "器械"}).content.decode()
    assert client.get(url, {"q": "<script>" * 50}).status_code == 200
    assert client.get(url, {"q": "采\x00购"}).status_code == 200  # PostgreSQL refuses NUL
    feed = reverse("content_public:feed_json", args=[world.hospital.code])
    assert client.get(feed, {"column": "news\x00"}).status_code == 200


def test_feeds_list_news_and_notices(client, world, columns):
    news, notices = columns
    publish(world, news, "新闻一")
    publish(world, notices, "通知一")
    code = world.hospital.code
    rss = ET.fromstring(client.get(reverse("content_public:feed_rss", args=[code])).content)
    assert {i.findtext("title") for i in rss.iter("item")} == {"新闻一", "通知一"}
    atom = ET.fromstring(client.get(reverse("content_public:feed_atom", args=[code])).content)
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2
    one = client.get(reverse("content_public:feed_json", args=[code]), {"column": "notices"})
    data = json.loads(one.content)
    assert [i["title"] for i in data["items"]] == ["通知一"]
    assert data["items"][0]["url"].endswith(article_url(notices.articles.get()))
    missing = client.get(reverse("content_public:feed_json", args=[code]), {"column": "nope"})
    assert missing.status_code == 404


def test_files_are_downloads_and_images_are_reencoded(client, world, columns):
    news, _ = columns
    staff = world.users["staff"]
    jpeg_with_trailer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(jpeg_with_trailer, format="JPEG")
    article = services.article_create(
        actor=staff,
        column=news,
        data={"title": "带附件"},
        cover=SimpleUploadedFile("c.jpg", jpeg_with_trailer.getvalue() + b"<script>x</script>"),
        files=[SimpleUploadedFile("制度.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    services.article_submit(actor=staff, article=article)
    services.article_publish(actor=world.users["integrity"], article=article)
    pdf = Attachment.objects.get(use="article_file")
    code = world.hospital.code
    response = client.get(reverse("content_public:file", args=[code, article.pk, pdf.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    cover = client.get(reverse("content_public:image", args=[code, article.pk, article.cover_id]))
    assert cover["Content-Type"] == "image/jpeg" and b"<script>" not in cover.content
    assert (
        client.get(reverse("content_public:image", args=[code, article.pk, pdf.pk])).status_code
        == 404
    )
    page = client.get(article_url(article)).content.decode()
    assert reverse("content_public:image", args=[code, article.pk, article.cover_id]) in page


def test_a_decompression_bomb_is_refused(world, columns, settings):
    from lianfang.core import attachments

    bomb = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(bomb, format="PNG")  # 50 MP, a few KB
    assert attachments.MAX_PIXELS < 10_000 * 5_000
    with pytest.raises(ValidationError):
        services.article_create(
            actor=world.users["staff"],
            column=columns[0],
            data={"title": "炸弹"},
            cover=SimpleUploadedFile("bomb.png", bomb.getvalue()),
        )


def test_files_of_unpublished_articles_are_not_served(client, world, columns):
    article = services.article_create(
        actor=world.users["staff"],
        column=columns[0],
        data={"title": "草稿"},
        cover=SimpleUploadedFile("c.png", png()),
    )
    url = reverse("content_public:image", args=[world.hospital.code, article.pk, article.cover_id])
    assert client.get(url).status_code == 404


def test_a_column_has_one_address_and_every_page_is_404_while_the_site_is_closed(
    client, world, columns
):
    from django.core.cache import cache
    from django.urls import NoReverseMatch

    from lianfang.portal.models import PortalSite

    news, _ = columns
    staff = world.users["staff"]
    article = services.article_create(
        actor=staff,
        column=news,
        data={"title": "关站后不可见"},
        cover=SimpleUploadedFile("c.png", png()),
    )
    services.article_submit(actor=staff, article=article)
    article = services.article_publish(actor=world.users["integrity"], article=article)
    code = world.hospital.code
    with pytest.raises(NoReverseMatch):
        reverse("content_public:column", args=[code, news.code])
    assert client.get(f"/gk/{code}/columns/{news.code}/").status_code == 404
    page = client.get(article_url(article)).content.decode()
    assert f'href="{column_url(world, news)}"' in page  # the crumb leads to the portal's column
    urls = [
        column_url(world, news),
        article_url(article),
        reverse("content_public:image", args=[code, article.pk, article.cover_id]),
        reverse("content_public:search", args=[code]) + "?q=关站",
        reverse("content_public:feed_rss", args=[code]),
        reverse("content_public:feed_atom", args=[code]),
        reverse("content_public:feed_json", args=[code]),
    ]
    assert [client.get(url).status_code for url in urls] == [200] * len(urls)
    PortalSite.objects.filter(organisation=world.hospital).update(enabled=False)
    cache.clear()  # the site's services forget its state; here the row changed directly
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)


def test_a_publication_or_withdrawal_shows_at_once_despite_the_page_cache(client, world, columns):
    news, _ = columns
    first = publish(world, news, "第一篇")
    assert "第一篇" in client.get(column_url(world, news)).content.decode()
    publish(world, news, "第二篇")
    assert "第二篇" in client.get(column_url(world, news)).content.decode()
    item = reverse("portal:item", args=[world.hospital.code, news.code, first.pk])
    assert client.get(item).status_code == 200
    services.article_withdraw(actor=world.users["integrity"], article=first, reason="有误")
    assert client.get(item).status_code == 410
    assert "第一篇" not in client.get(column_url(world, news)).content.decode()


def test_an_article_has_one_address_the_old_one_answers_301_to_it(client, world, columns):
    from django.core.cache import cache

    news, notices = columns
    article = publish(world, news, "唯一地址", summary="摘要")
    response = client.get(old_url(article))
    assert response.status_code == 301
    assert response["Location"] == article_url(article)
    assert f"/gk/{world.hospital.code}/c/news/{article.pk}/" == article_url(article)
    page = client.get(article_url(article)).content.decode()
    assert f'<link rel="canonical" href="http://testserver{article_url(article)}">' in page
    news.enabled = False  # a column switched off: 404 at both, no redirect to nothing
    news.save()
    cache.clear()  # its service renders the pages afresh; here the row changed directly
    assert client.get(old_url(article)).status_code == 404
    assert client.get(article_url(article)).status_code == 404


def test_the_feeds_link_the_one_address(client, world, columns):
    news, notices = columns
    article = publish(world, notices, "通知地址")
    code = world.hospital.code
    url = "http://testserver" + article_url(article)
    rss = ET.fromstring(client.get(reverse("content_public:feed_rss", args=[code])).content)
    assert [i.findtext("link") for i in rss.iter("item")] == [url]
    assert [i.findtext("guid") for i in rss.iter("item")] == [url]
    atom = ET.fromstring(client.get(reverse("content_public:feed_atom", args=[code])).content)
    ns = "{http://www.w3.org/2005/Atom}"
    links = [e.find(f"{ns}link").get("href") for e in atom.iter(f"{ns}entry")]
    assert links == [url]
    data = json.loads(client.get(reverse("content_public:feed_json", args=[code])).content)
    assert [i["url"] for i in data["items"]] == [url]


def test_no_page_links_the_old_form_of_an_article_address(client, world, columns):
    import re

    news, notices = columns
    one = publish(world, news, "首页新闻")
    two = publish(world, notices, "首页通知")
    code = world.hospital.code
    pages = {
        "home": reverse("portal:home", args=[code]),
        "news": column_url(world, news),
        "notices": column_url(world, notices),
        "search": reverse("content_public:search", args=[code]) + "?q=首页",
        "article": article_url(one),
    }
    old = re.compile(rf"/gk/{code}/articles/\d+/(?!files/|images/)")
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert not old.search(html), name
    for name in ("home", "news", "search"):
        assert article_url(one) in client.get(pages[name]).content.decode(), name
    assert article_url(two) in client.get(pages["notices"]).content.decode()
