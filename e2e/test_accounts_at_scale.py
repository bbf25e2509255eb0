"""Accounts at scale, in the browser: an administrator finds a person by the pinyin initials
of their name, creates the accounts of a department, reads the hand-over list; the new account
signs in with its initial password and is kept on the password page until it chooses its own.
"""

import re

from .conftest import PHONE, screenshot, sign_in

NEW_PASSWORD = "Ziji-de-mima-2026"


def test_bulk_accounts_hand_over_and_forced_password_change(world, new_page, live_server):
    admin_page = new_page()
    sign_in(admin_page, live_server, world.users["admin"])
    admin_page.goto("/accounts/users/")
    admin_page.click("[data-testid=bulk-create]")
    admin_page.wait_for_url(re.compile(r"/accounts/users/bulk/$"))

    # the picker: "zys" finds 赵医生 (张医生 has an account: not offered)
    picker = admin_page.locator("[data-testid=search-people]")
    picker.locator("input").press_sequentially("zys")
    option = admin_page.locator(".ts-dropdown .option", has_text="赵医生")
    option.wait_for()
    assert "0103" in option.inner_text()
    assert admin_page.locator(".ts-dropdown .option", has_text="张医生").count() == 0
    option.click()
    assert picker.locator(".item", has_text="赵医生").count() == 1
    admin_page.keyboard.press("Escape")

    admin_page.select_option("#id_department", str(world.cardiology.pk))
    screenshot(admin_page, "accounts-bulk-create")
    admin_page.click("[data-testid=bulk-create-submit]")
    admin_page.wait_for_url(re.compile(r"/accounts/handovers/\d+/$"))
    messages = admin_page.inner_text("main")
    assert "已创建 1 个账号" in messages and "已跳过：李主任、张医生" in messages
    usernames = admin_page.locator("[data-testid=handover-username]").all_inner_texts()
    passwords = admin_page.locator("[data-testid=handover-password]").all_inner_texts()
    assert usernames == ["0103"]
    password = passwords[0].strip()
    assert len(password) == 10
    assert admin_page.locator("[data-testid=handover-xlsx]").is_visible()
    screenshot(admin_page, "accounts-handover")

    # the new account: signed in, then sent to the password page wherever it goes
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", "0103")
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/password/\?next="))
    assert page.locator("[data-testid=must-change-password]").is_visible()
    page.goto("/org/people/")
    page.wait_for_url(re.compile(r"/accounts/password/\?next=%2Forg%2Fpeople%2F"))
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    page.goto("/org/people/")
    assert re.search(r"/org/people/$", page.url)


def test_the_bulk_page_fits_a_phone(world, new_page, live_server):
    page = new_page(PHONE)
    sign_in(page, live_server, world.users["admin"])
    page.goto("/accounts/users/bulk/")
    page.locator("[data-testid=search-people]").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "accounts-bulk-create-phone")
