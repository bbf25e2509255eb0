"""Reads of the assessments module. Who sees an assessment: the integrity office of its
organisation or above (all); a leader of the organisation or above, its 亮牌; a department
head, those of their department and its people; everyone, their own. Drafts only the office.

A complaint is cited by its number and conclusion only, and only the integrity office sees
that evidence (`evidence_for`)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core.models import Warning, WarningLevel, WarningStatus
from lianfang.core.roles import Role
from lianfang.core.scoping import register, scope_of
from lianfang.org.models import Department, Person, PostAssignment
from lianfang.risks.models import Measure, RiskPoint

from .models import Assessment, AssessmentEvent, Evidence, Notice


def _grant_paths(user, roles) -> list[str]:
    return [g.organisation.path for g in getattr(user, "active_grants", ()) if g.role in roles]


def _paths_q(paths, field) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def may_assess(user, organisation) -> bool:
    """The integrity office of the organisation or an organisation above it."""
    return any(organisation.path.startswith(p) for p in _grant_paths(user, (Role.INTEGRITY,)))


def is_office(user) -> bool:
    return bool(_grant_paths(user, (Role.INTEGRITY,)))


@register(Assessment)
def assessments_visible_to(user) -> QuerySet[Assessment]:
    scope = scope_of(user)
    if scope.is_empty:
        return Assessment.objects.none()
    office = _paths_q(_grant_paths(user, (Role.INTEGRITY,)), "organisation__path")
    issued = ~Q(status=Assessment.Status.DRAFT)
    others = _paths_q(_grant_paths(user, (Role.LEADER,)), "organisation__path") & Q(
        level=WarningLevel.CARD
    )
    if scope.headed_department_ids:
        heads = scope.headed_department_ids
        others |= Q(department_id__in=heads) | Q(person__department_id__in=heads)
    if scope.person_id:
        others |= Q(person_id=scope.person_id)
    return Assessment.objects.filter(office | (issued & others))


OPEN_STATES = (Assessment.Status.ISSUED, Assessment.Status.SUBMITTED, Assessment.Status.RETURNED)


def leadership_board(user, *, limit: int = 10) -> dict | None:
    """What the home page shows the leaders and the integrity office of an organisation (亮牌
    is visible to the leaders): the current 亮牌 (issued, not yet rectified) of their units,
    newest first, at most `limit`, and how many there are; the current 预警 counted (a leader
    sees that there are some, not which: only the office opens a 预警). None for anyone holding
    neither role. Three queries, whatever the number of assessments."""
    paths = _grant_paths(user, (Role.LEADER, Role.INTEGRITY))
    if not paths:
        return None
    current = Assessment.objects.filter(
        _paths_q(paths, "organisation__path"), status__in=OPEN_STATES
    )
    counts = current.aggregate(
        cards=Count("pk", filter=Q(level=WarningLevel.CARD)),
        warnings=Count("pk", filter=Q(level=WarningLevel.WARNING)),
    )
    cards = list(
        assessments_visible_to(user)
        .filter(pk__in=current.filter(level=WarningLevel.CARD).values("pk"))
        .select_related("organisation", "person", "department")
        .order_by("-created_at", "-id")[:limit]
    )
    return {
        "cards": cards,
        "card_count": counts["cards"],
        "warning_count": counts["warnings"],
        "office": is_office(user),
        "organisations": len({a.organisation_id for a in cards}) > 1 or len(paths) > 1,
    }


def is_assessed_party(user, assessment: Assessment) -> bool:
    """Whether `user` acts for the assessed party: the person themself, or a head of the
    department assessed."""
    scope = scope_of(user)
    if assessment.subject == Assessment.Subject.PERSON:
        return scope.person_id is not None and scope.person_id == assessment.person_id
    return assessment.department_id in scope.headed_department_ids


def assessment_list(*, user, filters: dict | None = None) -> QuerySet[Assessment]:
    filters = filters or {}
    qs = assessments_visible_to(user).select_related("organisation", "person", "department")
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("subject"):
        qs = qs.filter(subject=filters["subject"])
    if filters.get("q"):
        qs = qs.filter(
            Q(person__name__contains=filters["q"]) | Q(department__name__contains=filters["q"])
        )
    return qs.annotate(notice_count=Count("notices", distinct=True))


def own_assessments(user) -> QuerySet[Assessment]:
    """The issued assessments the user answers for (their own, their departments')."""
    scope = scope_of(user)
    q = Q(pk__in=[])
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    if scope.headed_department_ids:
        q |= Q(department_id__in=scope.headed_department_ids)
    return (
        Assessment.objects.filter(q)
        .exclude(status=Assessment.Status.DRAFT)
        .select_related("person", "department", "organisation")
    )


def evidence_for(user, assessment: Assessment) -> list[Evidence]:
    """The evidence `user` may read: a complaint's (number and conclusion) for the integrity
    office only."""
    rows = list(assessment.evidence.all())
    if may_assess(user, assessment.organisation):
        return rows
    return [row for row in rows if row.kind != Evidence.Kind.COMPLAINT]


def current_notice(assessment) -> Notice | None:
    return assessment.notices.order_by("-issued_at", "-id").first()


# Evidence candidates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A record that may be cited, keyed `<kind>:<id>`; `text` is what the citation keeps."""

    key: str
    kind: str
    text: str
    target: object

    def evidence(self, assessment) -> Evidence:
        field = {
            Evidence.Kind.MEASURE_OVERDUE: "measure",
            Evidence.Kind.REVIEW_OVERDUE: "risk_point",
            Evidence.Kind.COMPLAINT: "complaint",
            Evidence.Kind.WARNING: "warning",
        }[self.kind]
        return Evidence(
            assessment=assessment, kind=self.kind, text=self.text[:500], **{field: self.target}
        )

    @property
    def kind_label(self) -> str:
        return Evidence.Kind(self.kind).label


def party_risk_points(*, person=None, department=None) -> QuerySet[RiskPoint]:
    """The party's risk points in force: a person's posts held now; a department's own points
    and those of its posts."""
    qs = RiskPoint.objects.exclude(status=RiskPoint.Status.RETIRED)
    if person is not None:
        return qs.filter(
            post_id__in=PostAssignment.objects.current().filter(person=person).values("post_id")
        )
    return qs.filter(department=department)


def evidence_candidates(*, person=None, department=None, today: dt.date | None = None) -> dict:
    """The records the office may cite about the party, by key, in a constant number of
    queries: measures it owns past their time limit, its filed risk points past their review
    date, complaints about it found true (number and conclusion only) and warnings that name it
    as owner and are not closed."""
    from django.contrib.contenttypes.models import ContentType

    from lianfang.complaints.models import Complaint, Finding

    today = today or timezone.localdate()
    found: dict[str, Candidate] = {}
    owner = {"owner_person": person} if person else {"owner_department": department}
    for measure in Measure.objects.overdue(today).filter(**owner).order_by("due", "pk"):
        text = _("措施“%(text)s”逾期未落实（完成时限 %(due)s）") % {
            "text": measure.text[:80],
            "due": measure.due.isoformat(),
        }
        found[f"measure:{measure.pk}"] = Candidate(
            f"measure:{measure.pk}", Evidence.Kind.MEASURE_OVERDUE, text, measure
        )
    points = party_risk_points(person=person, department=department).filter(
        status=RiskPoint.Status.FILED, review_due__lt=today
    )
    for point in points.order_by("review_due", "pk"):
        text = _("风险点“%(name)s”复核逾期（下次复核 %(due)s）") % {
            "name": point.name[:80],
            "due": point.review_due.isoformat(),
        }
        found[f"point:{point.pk}"] = Candidate(
            f"point:{point.pk}", Evidence.Kind.REVIEW_OVERDUE, text, point
        )
    about = {"subject_person": person} if person else {"subject_department": department}
    for complaint in Complaint.objects.filter(finding=Finding.TRUE, **about).order_by("pk"):
        text = _("投诉举报 %(ref)s：%(finding)s") % {
            "ref": complaint.reference,
            "finding": complaint.get_finding_display(),
        }
        found[f"complaint:{complaint.pk}"] = Candidate(
            f"complaint:{complaint.pk}", Evidence.Kind.COMPLAINT, text, complaint
        )
    party = person or department
    warnings = Warning.objects.filter(
        owner_type=ContentType.objects.get_for_model(type(party)), owner_id=party.pk
    ).exclude(status__in=(WarningStatus.CLOSED, WarningStatus.DISMISSED))
    for warning in warnings.order_by("raised_at", "pk"):
        text = _("预警（%(level)s）：%(subject)s") % {
            "level": warning.get_level_display(),
            "subject": warning.subject[:200],
        }
        found[f"warning:{warning.pk}"] = Candidate(
            f"warning:{warning.pk}", Evidence.Kind.WARNING, text, warning
        )
    return found


# Timelines and statistics ------------------------------------------------------------------


def timeline(assessment) -> QuerySet[AssessmentEvent]:
    return assessment.events.select_related("actor").order_by("at", "id")


def party_timeline(*, user, person: Person | None = None, department: Department | None = None):
    """The steps of the visible assessments of a person or a department, newest first."""
    party = {"assessment__person": person} if person else {"assessment__department": department}
    return (
        AssessmentEvent.objects.filter(
            assessment__in=assessments_visible_to(user).values("pk"), **party
        )
        .select_related("assessment", "actor")
        .order_by("-at", "-id")
    )


def statistics(*, user, year: int | None = None) -> dict:
    """Counts of the visible assessments: by conclusion (now and when first concluded), by
    state, and the steps taken (notices issued, returns, escalations, accepted)."""
    qs = assessments_visible_to(user)
    if year:
        qs = qs.filter(created_at__year=year)
    by_level = dict(qs.values_list("level").annotate(n=Count("pk")))
    initial = dict(qs.values_list("initial_level").annotate(n=Count("pk")))
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")))
    steps = dict(
        AssessmentEvent.objects.filter(assessment__in=qs.values("pk"))
        .values_list("type")
        .annotate(n=Count("pk"))
    )
    return {
        "levels": [
            {
                "level": level,
                "label": str(label),
                "now": by_level.get(level, 0),
                "initial": initial.get(level, 0),
            }
            for level, label in WarningLevel.choices
        ],
        "statuses": [
            {"status": status, "label": str(label), "count": by_status.get(status, 0)}
            for status, label in Assessment.Status.choices
        ],
        "steps": [
            {"type": type_, "label": str(label), "count": steps.get(type_, 0)}
            for type_, label in AssessmentEvent.Type.choices
        ],
        "total": sum(by_level.values()),
    }
