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
