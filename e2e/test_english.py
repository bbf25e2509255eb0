"""The English interface in Chromium: the switch in the top bar turns menus and headings into
English, the choice sticks from page to page, and the same switch brings Chinese back."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import screenshot, sign_in
from tests.risks.register_data import build_register
from tests.test_i18n import CJK, ensure_compiled_messages

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def compiled_messages():
    ensure_compiled_messages()


def nav_labels(page):
    return [t.strip() for t in page.locator("#lf-sidebar .nav-link").all_inner_texts()]


def open_from_menu(page, label):
    page.locator("#lf-sidebar .nav-link", has_text=re.compile(rf"^\s*{label}\s*$")).click()


def test_switch_to_english_and_browse(world, page, live_server):
    build_register(world)
    sign_in(page, live_server, world.users["integrity"])
    page.goto("/")
    chinese_menu = nav_labels(page)
    assert "风险点台账" in chinese_menu

    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("lang-switch")).to_have_text("中文")
    menu = nav_labels(page)
    assert len(menu) == len(chinese_menu)
    for label in ["Home", "Organisations", "Departments", "Risk register", "Power catalogue"]:
        assert label in menu
    assert [label for label in menu if CJK.search(label)] == []
    groups = page.locator("#lf-sidebar .lf-nav-group").all_inner_texts()
    assert [g for g in groups if CJK.search(g)] == []
    screenshot(page, "home-english")

    open_from_menu(page, "Risk register")
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*Risk register"))
    expect(page.locator("[data-testid=register-row]")).to_have_count(5)
    expect(page.locator("[data-testid=level-summary]")).to_contain_text("Risk points: 5")
    expect(page.locator("#lf-sidebar .nav-link.active")).to_have_text(re.compile("Risk register"))
    screenshot(page, "risks-register-english")

    open_from_menu(page, "Organisations")
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*Organisations"))
    expect(page.get_by_role("columnheader", name="Active staff")).to_be_visible()

    open_from_menu(page, "Power catalogue")
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*Power catalogue"))
    expect(page.locator(".breadcrumb")).to_contain_text("Home")

    # Back to Chinese: the same page, in Chinese again.
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text(re.compile(r"^\s*职权目录"))
    assert nav_labels(page) == chinese_menu
