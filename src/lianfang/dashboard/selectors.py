"""Reads for the home dashboard, each limited to the user's scope by the selectors it uses."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from lianfang.org.selectors import people_visible_to, posts_visible_to
from lianfang.reviews import chain as review_chain
from lianfang.risks import selectors as risk_selectors


@dataclass(frozen=True)
class DashboardCharts:
    """What the home page charts show, already limited to the user's scope."""

    staff_by_department: dict  # {"labels": [...], "values": [...]}, largest first
    post_kinds: list  # [{"name": ..., "value": ...}] for the pie, zero slices left out

    @property
    def is_empty(self) -> bool:
        return not self.staff_by_department["labels"] and not self.post_kinds


def dashboard_charts(*, user, top: int = 15) -> DashboardCharts:
    """Active staff per department (the `top` largest) and the share of key/sensitive posts.

    Two queries, whatever the size of the organisation.
    """
    rows = list(
        people_visible_to(user)
        .active()
        .filter(department__isnull=False)
        .values(
            "department_id",
            "department__name",
            "department__organisation__name",
            "department__organisation__short_name",
        )
        .annotate(n=Count("id"))
        .order_by("-n", "department__name", "department_id")[:top]
    )
    several_orgs = len({r["department__organisation__name"] for r in rows}) > 1
    labels = []
    for r in rows:
        label = r["department__name"]
        if several_orgs:
            org = r["department__organisation__short_name"] or r["department__organisation__name"]
            label = f"{org} · {label}"
        labels.append(label)
    counts = posts_visible_to(user).aggregate(
        both=Count("id", filter=Q(is_key=True, is_sensitive=True)),
        key=Count("id", filter=Q(is_key=True, is_sensitive=False)),
        sensitive=Count("id", filter=Q(is_key=False, is_sensitive=True)),
        ordinary=Count("id", filter=Q(is_key=False, is_sensitive=False)),
    )
    names = {
        "both": _("重点且敏感岗位"),
        "key": _("重点岗位"),
        "sensitive": _("敏感岗位"),
        "ordinary": _("一般岗位"),
    }
    post_kinds = [{"name": str(names[k]), "value": counts[k]} for k in names if counts[k]]
    return DashboardCharts(
        staff_by_department={"labels": labels, "values": [r["n"] for r in rows]},
        post_kinds=post_kinds,
    )


@dataclass(frozen=True)
class Todo:
    """A count on the home page of what needs the user, and the list it links to."""

    key: str
    label: str
    value: int
    url: str
    icon: str


def review_todo(user) -> list[Todo]:
    """The review chain's to-do counts: what waits for the user's decision (reviewers), their
    own filings returned and those still waiting. Three counts at most."""
    todo = []
    mine = reverse("risks:mine")
    if review_chain.is_reviewer(user):
        todo.append(
            Todo(
                "to_review",
                _("待审"),
                risk_selectors.submissions_pending(user).count(),
                reverse("risks:review_queue"),
                "inbox",
            )
        )
    returned = risk_selectors.returned_to(user).count()
    waiting = (
        risk_selectors.point_submissions().open().filter(submitter_id=user.pk).count()
        if user.is_authenticated
        else 0
    )
    if returned or waiting or not todo:
        todo.append(Todo("returned", _("被退回"), returned, mine, "arrow-return-left"))
        todo.append(Todo("waiting", _("我提交的待审核"), waiting, mine, "hourglass-split"))
    return todo
