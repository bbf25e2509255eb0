"""Reads of the complaints module. Every read of a report starts from `visible_to(user)`.

Nobody reads a report by virtue of a platform role, not the system administrator, not the
integrity office: only the handlers assigned to it, and the office lead (`Officer.Duty.LEAD`)
of its organisation, who reads it to assign it; both minus recusal (recusal.py).
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from lianfang.core import scoping

from .models import Assignment, Complaint, IdentityRequest, Officer
from .recusal import person_id_of, recused_q


def duty_org_ids(user, duty: str) -> set[int]:
    """The organisations where `user` holds complaint `duty`."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = getattr(user, "_complaint_duties", None)
    if cache is None:
        cache = {}
        for org_id, d in Officer.objects.filter(user_id=user.pk).values_list(
            "organisation_id", "duty"
        ):
            cache.setdefault(d, set()).add(org_id)
        user._complaint_duties = cache
    return cache.get(duty, set())


def is_officer(user) -> bool:
    return any(duty_org_ids(user, d) for d in Officer.Duty.values)


@scoping.register(Complaint)
def visible_to(user):
    if not getattr(user, "is_authenticated", False):
        return Complaint.objects.none()
    assigned = Assignment.objects.current().filter(complaint=OuterRef("pk"), handler_id=user.pk)
    q = Q(Exists(assigned))
    leads = duty_org_ids(user, Officer.Duty.LEAD)
    if leads:
        q |= Q(organisation_id__in=leads)
    return Complaint.objects.filter(q).exclude(recused_q(person_id_of(user)))


def complaint_list(*, user, state: str = "", due_before: dt.date | None = None):
    qs = visible_to(user).select_related("organisation", "subject_department")
    if state:
        qs = qs.filter(state=state)
    if due_before is not None:
        qs = qs.filter(due_on__isnull=False, due_on__lte=due_before)
    return qs


def complaint_get(*, user, pk: int) -> Complaint:
    """The complaint, or Complaint.DoesNotExist (a 404) when `user` may not read it."""
    return visible_to(user).select_related("organisation").get(pk=pk)


def is_lead_of(user, complaint: Complaint) -> bool:
    return complaint.organisation_id in duty_org_ids(user, Officer.Duty.LEAD)


def is_assigned(user, complaint: Complaint) -> bool:
    return Assignment.objects.current().filter(complaint=complaint, handler_id=user.pk).exists()


def identity_visible(user, complaint: Complaint) -> bool:
    """Whether `user` may see the reporter's identity: an approved request of theirs."""
    return IdentityRequest.objects.filter(
        complaint=complaint, requester_id=user.pk, decision=IdentityRequest.Decision.APPROVED
    ).exists()


def identity_requests_for_custodian(*, user):
    """Requests the custodian decides: of their organisations; no content of the report."""
    orgs = duty_org_ids(user, Officer.Duty.CUSTODIAN)
    return (
        IdentityRequest.objects.filter(complaint__organisation_id__in=orgs)
        .exclude(complaint__in=Complaint.objects.filter(recused_q(person_id_of(user))))
        .select_related("complaint", "requester", "decided_by")
    )


# The department page (org's DEPARTMENT_DETAIL slot, panels.py): counts only ------------------

COUNT_ROLES = ("integrity", "leader")  # core.roles.Role.INTEGRITY, Role.LEADER


def may_count_department(user, department) -> bool:
    """Whether `user` sees the complaint counts of `department`: the integrity office and the
    leaders of its organisation or above (a commission's office over its hospitals)."""
    path = department.organisation.path
    return any(
        g.role in COUNT_ROLES and path.startswith(g.organisation.path)
        for g in getattr(user, "active_grants", ())
    )


def recused_from_department(user, department) -> bool:
    """Whether `user` is recused from every report about `department`: its head, or a leader
    in charge (分管) of it now. Such a viewer is told so, not shown counts (a zero would lie)."""
    from lianfang.org.models import LeaderDivision

    person_id = person_id_of(user)
    if person_id is None:
        return False
    if department.head_id == person_id:
        return True
    return (
        LeaderDivision.objects.in_force()
        .filter(leader_id=person_id, department_id=department.pk)
        .exists()
    )


def department_counts(*, user, department, months: int = 12, today: dt.date | None = None):
    """Counts of the reports about `department` (picked as the department, or the department
    of the person picked): by state, and by month of receipt over the last `months` months.
    Counts only: no content, no reference, no person. Reports `user` is recused from are
    left out (a department head never learns of a report about themselves). Two queries."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from lianfang.core import workdays

    from .models import State

    today = today or workdays.today()
    first = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    qs = Complaint.objects.filter(subject_department_id=department.pk).exclude(
        recused_q(person_id_of(user))
    )
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")).order_by())
    by_month = {
        m.strftime("%Y-%m"): n
        for m, n in qs.filter(received_on__gte=first)
        .annotate(m=TruncMonth("received_on"))
        .values_list("m")
        .annotate(n=Count("pk"))
        .order_by()
        if m is not None
    }
    month_keys, day = [], first
    while day <= today:
        month_keys.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return {
        "total": sum(by_state.values()),
        "open": sum(n for s, n in by_state.items() if s in State.OPEN),
        "states": [(label, by_state.get(value, 0)) for value, label in State.choices],
        "months": [(key, by_month.get(key, 0)) for key in month_keys],
        "overdue": qs.filter(state__in=State.OPEN, due_on__lt=today).count(),
    }
