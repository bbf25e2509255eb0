"""The stored body keeps the allow-list and nothing else (the public reads it as it is)."""

import pytest

from lianfang.content import services
from lianfang.content.models import Article
from lianfang.content.public_views import _image_url
from lianfang.content.sanitise import OWN_IMAGE, clean

IMG = "/gk/H1/articles/1/images/2/"
HOSTILE = [
    ("<p>好<script>alert(1)</script></p>", "<p>好</p>"),
    (f'<img src="{IMG}" onerror="alert(1)">', f'<img src="{IMG}">'),
    ('<a href="javascript:alert(1)">点</a>', '<a rel="noopener noreferrer">点</a>'),
    ('<a href="JaVaScRiPt:alert(1)">点</a>', '<a rel="noopener noreferrer">点</a>'),
    ('<p style="width: expression(alert(1))">样式</p>', "<p>样式</p>"),
    ('<p style="background:url(javascript:alert(1))" class="x">样式</p>', "<p>样式</p>"),
    ("<style>p{color:red}</style><p>文</p>", "<p>文</p>"),
    ('<iframe src="https://evil.example"></iframe><p>文</p>', "<p>文</p>"),
    ('<img src="https://evil.example/t.png">', "<img>"),
    ('<img src="data:image/png;base64,AAAA">', "<img>"),
    ('<a href="//evil.example/">外</a>', '<a rel="noopener noreferrer">外</a>'),
    ('<svg onload="alert(1)"><p>文</p></svg>', "<p>文</p>"),
    ('<form action="/x"><input name="a"></form>', ""),
    ("<p></p>", ""),
]  # fmt: skip


@pytest.mark.parametrize("html, expected", HOSTILE)
def test_hostile_markup_is_stripped(html, expected):
    assert clean(html) == expected


def test_the_allowed_markup_is_kept():
    html = (
        "<h2>标题</h2><p><strong>粗</strong><em>斜</em></p><ul><li>一</li></ul><ol><li>二</li></ol>"
        '<p><a href="https://www.example.cn/a">链接</a> '
        '<a href="mailto:bgs@example.cn">邮件</a></p>'
        '<table><tbody><tr><td colspan="2">表</td></tr></tbody></table>'
    )
    cleaned = clean(html)
    for kept in ("<h2>", "<strong>", "<em>", "<ul>", "<ol>", "<table>", 'colspan="2"'):
        assert kept in cleaned
    assert 'href="https://www.example.cn/a"' in cleaned
    assert 'href="mailto:bgs@example.cn"' in cleaned


def test_our_image_urls_are_the_ones_the_allow_list_keeps(world, columns):
    article = Article(pk=7, organisation=world.hospital, column=columns[0])
    assert OWN_IMAGE.match(_image_url(article, 12))


def test_the_service_stores_the_body_sanitised(world, columns):
    article = services.article_create(
        actor=world.users["staff"],
        column=columns[0],
        data={
            "title": "测试",
            "body": '<p onclick="x()">正文<script>alert(1)</script></p>'
            '<a href="javascript:alert(1)">链</a><img src=x onerror=alert(1)>',
        },
    )
    article.refresh_from_db()
    assert "script" not in article.body
    assert "onclick" not in article.body and "onerror" not in article.body
    assert "javascript" not in article.body
    assert article.body.startswith("<p>正文</p>")
