"""No dead links: each role of the scope world follows every link of the pages it opens, from
the home page, and none answers 403, 404 or 405 (nor fails).

A bounded crawl: same host, GET only, three clicks deep from the home page; a page reached
under many ids or query strings (every risk point, every sort of a list) is opened for a few
of them only, and downloads (Excel, PDF, photos) are left out: their links are checked by the
pages' own tests. The staff member held a post in another department before: the post
history must not link to what they cannot open (the bug that started this test), so the
crawl of every role that may open the staff member's page also starts from it.
"""

import datetime as dt
import re
from collections import Counter, deque
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse

from lianfang.org.models import PostAssignment
from tests.scope_world import SIGNED_IN, module_world

pytestmark = pytest.mark.django_db

DEPTH = 3
# Pages opened per shape of URL (its path with ids as <n>, and its query's names): two of
# each page, one of each of its variants (a sort, a page, a filter).
SAME_SHAPE = 2
SAME_QUERY = 1
SKIP = re.compile(
    r"/(xlsx|pdf|photo|download|export|template)/|/logout/|^/static/|^/media/|^/api/|^/i18n/"
)
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*)"')
HANDLER = ClientHandler(enforce_csrf_checks=False)


@pytest.fixture(scope="module")
def sw(django_db_setup, django_db_blocker):
    yield from module_world(django_db_blocker)


@pytest.fixture
def world(sw):
    sw.begin_test()
    # the staff member came from 采购中心 (a department staff cannot open) two years ago
    PostAssignment.objects.create(
        person=sw["staff_person"],
        post=sw["buyer_post"],
        start=dt.date(2018, 3, 1),
        end=dt.date(2020, 1, 1),
    )
    return sw


def client_for(sw, role) -> Client:
    client = Client()
    client.handler = HANDLER
    client.cookies[settings.SESSION_COOKIE_NAME] = sw.sessions[role]
    return client


def shape(url: str) -> str:
    parts = urlsplit(url)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "<n>", parts.path) + "?" + "&".join(names)


def links_of(html: str) -> list[str]:
    found = []
    for href in HREF.findall(html):
        href = unescape(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
            continue
        found.append(href)
    return found


def crawl(client, starts=("/",)):
    """(url, status, the page that linked it) of every page opened from `starts`."""
    seen, shapes, opened = set(starts), Counter(), []
    queue = deque((start, 0, None) for start in starts)
    while queue:
        url, depth, source = queue.popleft()
        response = client.get(url)
        opened.append((url, response.status_code, source))
        if response.status_code in (301, 302):
            target = response["Location"]
            if not urlsplit(target).netloc and target not in seen:
                seen.add(target)
                queue.append((target, depth, url))
            continue
        if depth >= DEPTH or not response.get("Content-Type", "").startswith("text/html"):
            continue
        base = urlsplit(url).path
        for href in links_of(response.content.decode()):
            if href.startswith("?"):
                href = base + href
            elif not href.startswith("/"):
                continue
            limit = SAME_QUERY if "?" in href else SAME_SHAPE
            if href in seen or SKIP.search(href) or shapes[shape(href)] >= limit:
                continue
            seen.add(href)
            shapes[shape(href)] += 1
            queue.append((href, depth + 1, url))
    return opened


@pytest.mark.parametrize("role", [r for r in SIGNED_IN if r != "nobody"])
def test_no_page_links_a_role_to_a_page_it_cannot_open(world, role):
    client = client_for(world, role)
    staff_page = reverse("org:person_detail", args=[world["staff_person"].pk])
    starts = ["/", staff_page] if client.get(staff_page).status_code == 200 else ["/"]
    opened = crawl(client, starts=starts)
    assert len(opened) > 5  # the crawl went somewhere
    dead = [(url, status, source) for url, status, source in opened if status in (403, 404, 405)]
    failed = [(url, status, source) for url, status, source in opened if status >= 500]
    assert dead == [] and failed == [], f"{role}: (link, status, page that shows it)"


def test_the_crawl_finds_a_dead_link(world):
    """The crawl sees a link to a page that answers 404, and names the page showing it."""
    client = client_for(world, "staff")
    response = client.get("/")
    assert response.status_code == 200
    html = '<a href="/org/departments/999999/">x</a><a href="https://example.org/">y</a>'
    assert links_of(html) == ["/org/departments/999999/"]
    assert client.get("/org/departments/999999/").status_code == 404
