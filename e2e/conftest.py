"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Run with `.venv/bin/pytest e2e`. Never `playwright install`: the browser is /usr/bin/chromium.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
# beside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.audit_triggers import audit_triggers_let_the_test_database_be_emptied  # noqa: E402, F401
from tests.factories import PASSWORD, build_world  # noqa: E402
from tests.small_demo import smaller_demo  # noqa: E402

CHROMIUM = os.environ.get("LIANFANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# An assertion waits as long as an action may (the contexts' default below). Playwright's own
# 5 s is shorter than one POST takes when CI runs two workers beside their browsers: a
# review-chain test once failed there on a flash message that came later.
expect.set_options(timeout=15_000)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def reseed_from_migrations():
    """Re-run the data seeds of the migrations named *seed* (idempotent by convention).

    Transactional tests flush every table afterwards, the rows seeded by migrations too
    (modules, columns, phrase lists). serialized_rollback cannot bring them back here:
    Playwright's greenlets give the tests another database connection than the one the
    test database was serialized on.
    """
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    plan = []
    for leaf in graph.leaf_nodes():
        plan += [key for key in graph.forwards_plan(leaf) if key not in plan]
    for key in plan:
        if "seed" not in key[1]:
            continue
        for operation in graph.nodes[key].operations:
            if isinstance(operation, RunPython):
                operation.code(apps, None)


@pytest.fixture
def world(transactional_db):
    reseed_from_migrations()
    return build_world()


class Problems(list):
    """Console errors, uncaught exceptions and CSP violations seen by a page.

    A test that opens a page expected to answer 404 says so with `expect_404(path)`.
    """

    def __init__(self):
        super().__init__()
        self.expected_404 = []

    def expect_404(self, path):
        self.expected_404.append(path)

    def unexpected(self):
        return [
            p
            for p in self
            if not ("status of 404" in p and any(p.endswith(path) for path in self.expected_404))
        ]

    def watch(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.append(f"page error: {error}"))
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) =>"
            " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _console(self, message):
        if message.type == "error":
            self.append(f"console error: {message.text} @ {message.location.get('url', '')}")


@pytest.fixture
def problems():
    return Problems()


@pytest.fixture
def new_page(browser, live_server, problems):
    """Open pages in fresh browser contexts; fails the test if any saw a console error."""
    contexts = []

    def _new_page(viewport=DESKTOP):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield _new_page
    for context in contexts:
        context.close()
    unexpected = problems.unexpected()
    assert not unexpected, "\n".join(unexpected)


@pytest.fixture
def page(new_page):
    return new_page()


def log_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))


def sign_in(page, live_server, user):
    """Start a session for `user` without the log-in form (tests of the form use log_in)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def screenshot(page, name, full_page=True):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture(autouse=True)
def files_of_the_test(settings, tmp_path):
    # The suite runs in parallel processes (pytest-xdist): each test's uploads, attachments
    # and generated files go to a folder of its own.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"


@pytest.fixture(autouse=True)
def small_demo(monkeypatch):
    # The browser tests that load the demo look at its register, warnings and portal.
    smaller_demo(monkeypatch)
