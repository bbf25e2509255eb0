"""述责述廉: a person's yearly report on their integrity duties, gathered from the modules below.

For a chosen year, in a fixed number of queries: the posts the person held in the year, the
filed risk points of those posts with their measures (status, time limit, when put in
place); the personal commitments of the year with their fulfilment report (履诺) item by item
and the reviewer's check; the assessments the person received in the year (issued ones, by
the date they were made) with their notices and rectifications.

It lives in assessments because it cites assessments, the highest of the modules it reads
(assessments > commitments > risks > org); the dashboard, above, would also do, but the
report belongs to the person and their assessments, not to the home page.

Who reads it (`may_read`): the person, the leaders in charge of their department (分管领导,
`reviews.chain.leaders_in_charge`) and the integrity office of their organisation or above
(`selectors.may_assess`); for anyone else it does not exist (404).
"""

import datetime as dt

from django.db.models import Prefetch, Q
from django.utils import timezone

from lianfang.commitments.models import Commitment
from lianfang.commitments.services import fulfilment_titles
from lianfang.core.scoping import scope_of
from lianfang.org.models import Person, PostAssignment
from lianfang.reviews import chain
from lianfang.risks.models import Measure, RiskPoint

from .models import Assessment, Rectification, RectificationMeasure
from .selectors import may_assess

FIRST_YEAR = 2000


def may_read(user, person: Person) -> bool:
    scope = scope_of(user)
    if scope.is_empty:
        return False
    if scope.person_id is not None and scope.person_id == person.pk:
        return True
    if may_assess(user, person.organisation):
        return True
    departments = {person.department_id} - {None}
    departments |= set(
        PostAssignment.objects.current()
        .filter(person=person, post__department__isnull=False)
        .values_list("post__department_id", flat=True)
    )
    return any(user.pk in chain.leaders_in_charge(d) for d in departments)


def years_of(today: dt.date | None = None) -> list[int]:
    """The years offered: this year and the four before, newest first."""
    this = (today or timezone.localdate()).year
    return list(range(this, max(this - 5, FIRST_YEAR - 1), -1))


def year_from(value) -> int:
    """The year asked for (`?year=`), this year when missing or not a year."""
    this = timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return this
    return year if FIRST_YEAR <= year <= this + 1 else this


def accountability_of(*, person: Person, year: int) -> dict:
    """The report's content for `person` and `year` (see the module's docstring)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    assignments = list(
        PostAssignment.objects.filter(person=person, start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .select_related("post__department")
        .order_by("start", "pk")
    )
    post_ids = [a.post_id for a in assignments]
    points = list(
        RiskPoint.objects.filter(post_id__in=post_ids, status=RiskPoint.Status.FILED)
        .select_related("post")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related("owner_person", "owner_department"),
            )
        )
        .order_by("post_id", "level", "pk")
    )
    measures = [m for p in points for m in p.measures.all()]
    commitments = []
    for c in (
        Commitment.objects.filter(kind=Commitment.Kind.PERSONAL, person=person, year=year)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    ):
        reported = {row["title"]: row["report"] for row in c.fulfilment or []}
        titles = fulfilment_titles(c)
        c.items = [
            {"seq": n, "title": t, "report": reported.get(t, "")}
            for n, t in enumerate(titles, start=1)
        ]
        commitments.append(c)
    assessments = list(
        Assessment.objects.filter(person=person, created_at__year=year)
        .exclude(status=Assessment.Status.DRAFT)
        .prefetch_related(
            "notices",
            Prefetch(
                "rectifications",
                queryset=Rectification.objects.order_by("submitted_at", "pk").prefetch_related(
                    Prefetch(
                        "measures",
                        queryset=RectificationMeasure.objects.select_related(
                            "owner_person", "owner_department"
                        ),
                    )
                ),
            ),
        )
        .order_by("created_at", "pk")
    )
    return {
        "person": person,
        "year": year,
        "posts": [a.post for a in assignments],
        "assignments": assignments,
        "points": points,
        "measures_total": len(measures),
        "measures_in_place": sum(1 for m in measures if m.status == Measure.Status.IN_PLACE),
        "commitments": commitments,
        "assessments": assessments,
    }


def mark_readable(user, report: dict) -> None:
    """Mark each commitment and assessment of `report` `readable` when `user` may open its
    page (two queries)."""
    from lianfang.commitments.selectors import visible_to as commitments_visible_to

    from .selectors import assessments_visible_to

    ids = [c.pk for c in report["commitments"]]
    seen = set(commitments_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for c in report["commitments"]:
        c.readable = c.pk in seen
    ids = [a.pk for a in report["assessments"]]
    seen = set(assessments_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    for a in report["assessments"]:
        a.readable = a.pk in seen
