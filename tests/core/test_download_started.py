"""A download link shows it is working until the file starts (app.js, `data-download`): the
page sends a token in a cookie, and a file answers with the token in another cookie
(core.middleware.DownloadStartedMiddleware). Anything but a file leaves the cookies alone."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from lianfang.core.middleware import DownloadStartedMiddleware
from tests.risks.test_positioning import register  # noqa: F401 - the shared fixture

ASKED, DONE = DownloadStartedMiddleware.ASKED, DownloadStartedMiddleware.DONE
TOKEN = "k3j9x0a1b2c3"


@pytest.fixture
def asking(world, register, login):  # noqa: F811
    client = login(world.users["integrity"])
    client.cookies[ASKED] = TOKEN
    return client


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("risks:register_xlsx"),
        lambda w: reverse("risks:register_pdf"),
        lambda w: reverse("risks:register_template"),
        lambda w: reverse("risks:positioning_xlsx", args=[w.leader_person.pk]),
        lambda w: reverse("org:roster_export"),
    ],
    ids=["register-xlsx", "register-pdf", "register-template", "positioning-xlsx", "roster"],
)
def test_a_file_answers_with_the_token(world, asking, url):
    response = asking.get(url(world))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    done = response.cookies[DONE]
    assert done.value == TOKEN
    assert done["max-age"] == 60 and done["samesite"] == "Strict" and not done["httponly"]
    assert response.cookies[ASKED]["max-age"] == 0  # the question is spent


def test_a_page_or_a_redirect_sets_nothing(world, asking, settings):
    assert DONE not in asking.get(reverse("risks:register")).cookies
    settings.LIANFANG_EXPORT_INLINE_ROWS = 0  # a large register: made by a background job
    response = asking.get(reverse("risks:register_xlsx"))
    assert response.status_code == 302 and DONE not in response.cookies


@pytest.mark.parametrize("token", ["", "short", "a" * 41, "abc-def-ghi", "<script>x</script>"])
def test_a_token_of_another_shape_is_ignored(world, register, login, token):  # noqa: F811
    client = login(world.users["integrity"])
    client.cookies[ASKED] = token
    response = client.get(reverse("risks:register_template"))
    assert response.status_code == 200 and DONE not in response.cookies


def test_the_slow_downloads_are_marked_for_the_script(world, register, login):  # noqa: F811
    """The links of the synchronous exports carry data-download, with the busy text, and the
    script that reads it is the shared one."""
    client = login(world.users["integrity"])
    pages = {
        reverse("risks:register"): ("register-xlsx", "register-pdf"),
        reverse("risks:register_import"): ("register-template", "register-export"),
        reverse("risks:positioning", args=[world.leader_person.pk]): (
            "positioning-xlsx",
            "positioning-pdf",
        ),
        reverse("org:person_list"): ("roster-export",),
        reverse("org:roster_import"): ("roster-template",),
    }
    for url, testids in pages.items():
        html = client.get(url).content.decode()
        for testid in testids:
            link = re.search(rf'<a [^>]*data-testid="{testid}"[^>]*>', html)
            assert link, (url, testid)
            assert 'data-download="正在生成…"' in link.group(0), (url, testid)
    script = Path(__file__).parents[2] / "src/lianfang/core/static/lianfang/app.js"
    assert "a[data-download]" in script.read_text() and ASKED in script.read_text()
