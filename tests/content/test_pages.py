"""The internal pages: the list, writing with the editor, preview and the review queue."""

import re

import pytest
from django.urls import reverse

from lianfang.content import services
from lianfang.content.models import Article

from .conftest import publish


def test_an_editor_writes_through_the_form_and_submits(login, world, columns):
    client = login(world.users["staff"])
    page = client.get(reverse("content:article_create")).content.decode()
    # the editor's files come from the package's static files, with no inline script
    assert "/static/content/editor.js" in page and "django_prose_editor/editor.css" in page
    assert 'type="importmap"' not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "data-django-prose-editor-default" in page
    response = client.post(
        reverse("content:article_create"),
        {
            "column": columns[1].pk,
            "title": "关于国庆节放假安排的通知",
            "body": "<p>放假安排如下<script>alert(1)</script></p>",
            "expires_on": "2030-10-08",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("content:article_detail", args=[article.pk])
    assert article.body == "<p>放假安排如下</p>"
    client.post(reverse("content:article_submit", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED


def test_bad_input_comes_back_in_chinese(login, world, columns):
    client = login(world.users["staff"])
    response = client.post(
        reverse("content:article_create"),
        {"column": columns[1].pk, "title": "通知", "published_on": "2026-05-01",
         "expires_on": "2026-04-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "有效期不能早于发布日期。" in response.content.decode()
    assert not Article.objects.exists()


def test_the_reviewer_publishes_returns_and_withdraws_from_the_page(login, world, columns):
    staff = world.users["staff"]
    article = services.article_create(actor=staff, column=columns[0], data={"title": "待审"})
    services.article_submit(actor=staff, article=article)
    client = login(world.users["integrity"])
    queue = client.get(reverse("content:review_queue")).content.decode()
    assert reverse("content:article_detail", args=[article.pk]) in queue
    client.post(reverse("content:article_return", args=[article.pk]), {"reason": ""})
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED  # no reason, no return
    client.post(reverse("content:article_publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    client.post(reverse("content:article_withdraw", args=[article.pk]), {"reason": "过时"})
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN


def test_others_do_not_see_the_articles(login, world, columns):
    article = publish(world, columns[0], "本院新闻")
    detail = reverse("content:article_detail", args=[article.pk])
    assert login(world.users["outsider"]).get(detail).status_code == 404
    assert login(world.users["commission_integrity"]).get(detail).status_code == 404
    assert login(world.users["admin"]).get(detail).status_code == 404
    assert login(world.users["integrity"]).get(detail).status_code == 200


@pytest.mark.parametrize("page", ["content:article_list", "content:review_queue"])
def test_the_lists_make_as_many_queries_at_20_and_200_rows(login, world, columns, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = world.users["staff"]
    client = login(world.users["integrity"] if page == "content:review_queue" else staff)

    def make(n):
        for i in range(n):
            article = services.article_create(
                actor=staff, column=columns[i % 2], data={"title": f"第{i}篇"}
            )
            services.article_submit(actor=staff, article=article)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page), {"per_page": 20}).status_code == 200
        return len(queries)

    make(20)
    small = count()
    make(180)
    assert count() == small
