"""Phone width (390 px) in Chromium: no page of a role's menu, nor the pages one click into
it, scrolls sideways. Wide tables scroll inside their own box (.table-responsive) and drop
their secondary columns on small screens."""

import pytest
from django.db import transaction

from e2e.conftest import PHONE, sign_in
from lianfang.core import audit
from tests.risks.register_data import build_register

pytestmark = pytest.mark.e2e

ROLES = ["admin", "integrity", "leader", "dept_head", "staff"]

# What is wider than the page, for the failure message: the outermost elements that stick
# out past the right edge.
WIDEST = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !out.some((o) => o.contains(el))) {
      const scroller = el.parentElement && el.parentElement.closest('.table-responsive');
      if (!scroller) out.push(el);
    }
  }
  return out.slice(0, 5).map((el) =>
    `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} [${el.dataset.testid || ''}] ` +
    `right=${Math.round(el.getBoundingClientRect().right)}`);
}"""


def overflow(page) -> dict | None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    if sizes["scroll"] <= sizes["inner"]:
        return None
    return {**sizes, "url": page.url, "widest": page.evaluate(WIDEST)}


def menu_links(page) -> list[str]:
    return page.eval_on_selector_all(
        "#lf-sidebar a.nav-link", "links => links.map((a) => a.getAttribute('href'))"
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_fit_a_phone(world, new_page, live_server, role):
    build_register(world)
    with transaction.atomic():  # the audit table with long names in it
        for i in range(25):
            audit.record(
                actor=world.users["dept_head"],
                action="risk_point.update",
                obj=world.cardiology,
                object_repr=f"科室集体收受药企赞助并以学术会议名义分配第{i}笔费用",
            )
    page = new_page(PHONE)
    sign_in(page, live_server, world.users[role])
    page.goto("/")
    pages = ["/", *menu_links(page)]
    problems = []
    for url in dict.fromkeys(pages):
        page.goto(url)
        if problem := overflow(page):
            problems.append(problem)
        # a page of each kind one click into the lists: a risk point, a person, a power
        for detail in page.eval_on_selector_all(
            "main a[href*='/risks/points/'], main a[href*='/org/people/'], "
            "main a[href*='/org/powers/']",
            "links => links.map((a) => a.getAttribute('href'))"
            ".filter((h) => /\\/\\d+\\/$/.test(h)).slice(0, 1)",
        ):
            if detail not in pages:
                pages.append(detail)
                page.goto(detail)
                if problem := overflow(page):
                    problems.append(problem)
    assert problems == [], "\n".join(map(str, problems))
