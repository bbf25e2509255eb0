"""Recusal (回避): who may never be assigned a report, see it, or be told about it.

- the person complained about;
- the head of that person's department, and of the department complained about;
- the leaders in charge (分管) of those departments;
- anyone the reporter listed (请勿由以下人员处理).

It is computed from the organisation model at every read, never stored: when a person
changes post (becomes a department head, takes over a division of work), the next page they
open already leaves the report out.
"""

from django.db.models import Exists, OuterRef, Q

from lianfang.org.models import Department, LeaderDivision, Person

from .models import Complaint, Exclusion


def person_id_of(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()


def recused_q(person_id: int | None) -> Q:
    """Q matching the complaints `person_id` is recused from (none without a person)."""
    if person_id is None:
        return Q(pk__in=[])
    divisions = LeaderDivision.objects.in_force().filter(leader_id=person_id)
    return (
        Q(subject_person_id=person_id)
        | Q(Exists(Exclusion.objects.filter(complaint=OuterRef("pk"), person_id=person_id)))
        | Q(
            Exists(
                Department.objects.filter(pk=OuterRef("subject_department_id"), head_id=person_id)
            )
        )
        | Q(
            Exists(
                Person.objects.filter(
                    pk=OuterRef("subject_person_id"), department__head_id=person_id
                )
            )
        )
        | Q(Exists(divisions.filter(department_id=OuterRef("subject_department_id"))))
        | Q(
            Exists(
                Person.objects.filter(
                    pk=OuterRef("subject_person_id"),
                    department_id__in=divisions.values("department_id"),
                )
            )
        )
    )


def recused_person_ids(complaint: Complaint) -> set[int]:
    """Everyone recused from `complaint`, as the organisation model says now."""
    ids = set(complaint.exclusions.values_list("person_id", flat=True))
    departments = set()
    if complaint.subject_department_id:
        departments.add(complaint.subject_department_id)
    if complaint.subject_person_id:
        ids.add(complaint.subject_person_id)
        dept = Person.objects.filter(pk=complaint.subject_person_id).values_list(
            "department_id", flat=True
        )
        departments.update(d for d in dept if d)
    if departments:
        ids.update(
            h
            for h in Department.objects.filter(pk__in=departments).values_list("head_id", flat=True)
            if h
        )
        ids.update(
            LeaderDivision.objects.in_force()
            .filter(department_id__in=departments)
            .values_list("leader_id", flat=True)
        )
    return ids


def recused_user_ids(complaint: Complaint) -> set[int]:
    """The accounts of the people recused from `complaint`."""
    people = recused_person_ids(complaint)
    if not people:
        return set()
    return set(
        Person.objects.filter(pk__in=people, user__isnull=False).values_list("user_id", flat=True)
    )


def is_recused(user, complaint: Complaint) -> bool:
    return getattr(user, "pk", None) in recused_user_ids(complaint)
