"""Reads of the flows. Each starts from `visible_to`; the to-do lists read indexed Task rows
and never deserialise a workflow."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from lianfang.core.scoping import register, scope_of
from lianfang.org.scoping import subtree_organisations

from .models import FlowDefinition, Instance, InstanceEvent, Task

# What the lists show of an instance, and no more (the workflow JSON stays in the database).
_INSTANCE_LIST_FIELDS = (
    "id",
    "organisation_id",
    "version_id",
    "applicant_id",
    "applicant_person_id",
    "department_id",
    "title",
    "number",
    "state",
    "started_at",
    "finished_at",
    "lock_version",
)


@register(Instance)
def instances_visible_to(user) -> QuerySet[Instance]:
    """The integrity office, administrators and leaders: their subtree; department heads and
    leaders in charge: their departments' instances; everyone: what they started or handle."""
    scope = scope_of(user)
    if scope.is_empty or not getattr(user, "pk", None):
        return Instance.objects.none()
    handled = Task.objects.filter(instance_id=OuterRef("pk")).filter(
        Q(assignee_id=user.pk) | Q(completed_by_id=user.pk)
    )
    q = Q(organisation_id__in=subtree_organisations(user)) | Q(applicant_id=user.pk)
    if scope.department_ids:
        q |= Q(department_id__in=scope.department_ids)
    return Instance.objects.filter(q | Exists(handled))


@register(Task)
def tasks_visible_to(user) -> QuerySet[Task]:
    """Tasks of the instances the user sees."""
    if not getattr(user, "pk", None):
        return Task.objects.none()
    return Task.objects.filter(instance__in=instances_visible_to(user).values("pk"))


@register(FlowDefinition)
def definitions_visible_to(user) -> QuerySet[FlowDefinition]:
    """The definitions of the user's organisations (their subtree, or the organisation they
    belong to)."""
    scope = scope_of(user)
    if scope.is_empty:
        return FlowDefinition.objects.none()
    q = Q(organisation_id__in=subtree_organisations(user))
    org_ids = set(scope.org_ids)
    if getattr(user, "organisation_id", None):
        org_ids.add(user.organisation_id)
    if org_ids:
        q |= Q(organisation_id__in=org_ids)
    return FlowDefinition.objects.filter(q)


def _task_rows(qs):
    return qs.select_related(
        "instance__version__definition",
        "instance__applicant_person",
        "instance__department",
        "assignee_person",
        "step",
    ).defer(
        "instance__workflow", "instance__data", "instance__version__bpmn", "instance__version__spec"
    )


def my_ready_tasks(user) -> QuerySet[Task]:
    """待办: the user's ready tasks, newest first (the index flows_task_my_ready). No filter on
    the instance's state: a ready task's instance is running (`services._close` cancels the
    ready tasks of an instance it closes), and joining the instances to count the rows made
    the page's count read one instance per ready task."""
    if not getattr(user, "pk", None):
        return Task.objects.none()
    return _task_rows(Task.objects.filter(assignee_id=user.pk, state=Task.State.READY)).order_by(
        "-created_at", "-pk"
    )


def my_done_tasks(user) -> QuerySet[Task]:
    """已办: the tasks the user completed, latest first."""
    if not getattr(user, "pk", None):
        return Task.objects.none()
    return _task_rows(
        Task.objects.filter(completed_by_id=user.pk, state=Task.State.COMPLETED)
    ).order_by("-completed_at", "-pk")


def started_by(user) -> QuerySet[Instance]:
    """我发起的: the instances the user started, latest first."""
    if not getattr(user, "pk", None):
        return Instance.objects.none()
    return (
        Instance.objects.filter(applicant_id=user.pk)
        .only(*_INSTANCE_LIST_FIELDS)
        .select_related("version__definition", "department")
        .defer("version__bpmn", "version__spec")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=Task.objects.filter(state=Task.State.READY)
                .select_related("assignee_person")
                .only("id", "instance_id", "name", "assignee_id", "assignee_person__name", "state"),
                to_attr="ready_tasks",
            )
        )
        .order_by("-started_at", "-pk")
    )


def instance_detail_queryset(user) -> QuerySet[Instance]:
    """The instances the user may see, with their tasks and timeline."""
    return (
        instances_visible_to(user)
        .select_related(
            "version__definition", "applicant", "applicant_person", "department", "subject"
        )
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=Task.objects.select_related(
                    "assignee", "assignee_person", "step"
                ).order_by("created_at", "pk"),
            ),
            Prefetch(
                "events",
                queryset=InstanceEvent.objects.select_related("actor", "task").order_by("at", "pk"),
            ),
        )
    )


def instance_detail(user, pk) -> Instance | None:
    """One instance the user may see, with its tasks and timeline (None when out of scope)."""
    return instance_detail_queryset(user).filter(pk=pk).first()


def task_for_actor(user, pk) -> Task | None:
    """A ready task of the user's, in their scope (None otherwise: a 404)."""
    if not getattr(user, "pk", None):
        return None
    return (
        tasks_visible_to(user)
        .filter(pk=pk, state=Task.State.READY)
        .select_related("instance")
        .first()
    )


def startable_definitions(user) -> list[FlowDefinition]:
    """The definitions the user may start now."""
    from .services import may_start

    qs = (
        definitions_visible_to(user)
        .filter(active=True, current_version__isnull=False)
        .select_related("organisation", "current_version")
        .order_by("organisation_id", "code")
    )
    return [d for d in qs if may_start(user, d)]


def people_names(user_ids) -> dict[int, str]:
    """{account id: the name of its person (else the account's display name)}: how a timeline
    names the accounts its entries keep as ids. Two queries at most, none without ids."""
    from lianfang.accounts.models import User
    from lianfang.org.models import Person

    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    # an account's active person wins (the last one written into the dict)
    people = Person.objects.filter(user_id__in=ids).order_by("active", "-pk")
    names = dict(people.values_list("user_id", "name"))
    missing = ids - set(names)
    if missing:
        names.update({u.pk: str(u) for u in User.objects.filter(pk__in=missing)})
    return names


COLLEAGUES_LIMIT = 20


def delegate_candidates(user, organisation, term: str, limit: int = COLLEAGUES_LIMIT) -> list:
    """Whom `user` may name as their delegate (代理人), found by name or the name's pinyin
    initials (张三: "zs"): the active people with an active account of `organisation` (the
    user's own), the user excepted. Not scoped by `people_visible_to`: a member of staff sees
    no colleague there, yet must be able to pick one; what the picker answers is only the
    name and the department (see `delegation_views.delegate_search`). One query."""
    from lianfang.org.models import Person

    if organisation is None or not getattr(user, "pk", None):
        return []
    term = " ".join("".join(c for c in (term or "") if c.isprintable() or c.isspace()).split())
    term = term[:40]
    qs = (
        Person.objects.filter(
            organisation=organisation, active=True, user__isnull=False, user__is_active=True
        )
        .exclude(user_id=user.pk)
        .select_related("department")
    )
    if term:
        q = Q(name__icontains=term)
        letters = term.replace(" ", "").lower()
        if letters.isascii() and letters.isalnum():
            q |= Q(name_initials__startswith=letters) | Q(name_initials__contains=f" {letters}")
        qs = qs.filter(q)
    return list(qs.order_by("name", "pk")[:limit])
