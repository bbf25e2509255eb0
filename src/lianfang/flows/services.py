"""The flows' writes: publishing a definition, starting an instance (办件) and every action on
a task. Each runs in one transaction with an audit event and an InstanceEvent on the timeline.

Seams the other flows code plugs into (kept here, in one place):
- `set_resolver(fn)`: who handles a task. `fn(*, task, instance, rule, spec_task)` returns a
  list of `Assignment`s (several = a 会签 committee). The rules helper's `handlers.resolve`
  replaces `assign_simply`, the default below.
- `on_tasks_created`: callables `fn(*, tasks, instance, actor)` run after new task rows are
  written (deadlines set `due_at` there).
- `on_task_completed`: callables `fn(*, task, instance, actor, spec_task)` run once a step is
  decided, inside the transaction: approved (the workflow advanced) or rejected (不同意: the
  instance closed); `task.decision` says which, and for a committee (会签) `task` is a member
  whose decision is the committee's. Publication at control points registers here. An
  exception there rolls everything back: nothing is half-written.

Concurrency: every action locks the instance row (`select_for_update`) and re-reads the task
under the lock; a task no longer ready (a second person, a double click) raises
`TaskUnavailable` (a 404) and changes nothing. Each action bumps `Instance.lock_version`; a
caller that read it may pass `expected_version` to refuse acting on a stale page.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit
from lianfang.core.attachments import AttachmentError, attachment_save, attachments_of
from lianfang.core.roles import Role
from lianfang.core.scoping import scope_of

from . import bpmn as bpmn_module
from . import engine, fields
from .errors import FlowError, TaskUnavailable, error
from .models import FlowDefinition, FlowVersion, Instance, InstanceEvent, Task

FLOW_ATTACHMENT = "flow_attachment"

ACTIONS = ("approve", "return", "reject", "withdraw", "comment", "transfer")
_AUDIT_ACTIONS = {
    "approve": "flow_task.approve",
    "return": "flow_task.return",
    "reject": "flow_task.reject",
    "withdraw": "flow_instance.withdraw",
    "comment": "flow_task.comment",
    "transfer": "flow_task.transfer",
}
_EVENT_KINDS = {
    "approve": InstanceEvent.Kind.APPROVED,
    "return": InstanceEvent.Kind.RETURNED,
    "reject": InstanceEvent.Kind.REJECTED,
    "withdraw": InstanceEvent.Kind.WITHDRAWN,
    "comment": InstanceEvent.Kind.COMMENTED,
    "transfer": InstanceEvent.Kind.TRANSFERRED,
}
REASON_LIMIT = 2000


# Seams -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Who handles a task: an account and/or a person, the rule that chose them, and a
    committee key when several people handle one step together (会签)."""

    user: object = None
    person: object = None
    rule: str = ""
    committee_key: str = ""
    note: str = ""


def assign_simply(*, task, instance, rule, spec_task) -> list[Assignment]:
    """The default resolution of a handler rule (the rules helper's `handlers.resolve`
    replaces it through `set_resolver`): the people the rule names today, by their account."""
    from lianfang.accounts.models import User
    from lianfang.org.models import LeaderDivision, Person, PostAssignment

    organisation = instance.organisation
    department = instance.department

    def persons(rule_text) -> list:
        if rule_text == "applicant":
            return [instance.applicant_person or instance.applicant]
        if rule_text == "dept_head":
            return [department.head] if department and department.head_id else []
        if rule_text == "principal_leader":
            return [organisation.principal_leader] if organisation.principal_leader_id else []
        if rule_text == "integrity_office":
            office = organisation.integrity_department
            return [office.head] if office and office.head_id else []
        if rule_text == "leader_in_charge":
            if department is None:
                return []
            division = (
                LeaderDivision.objects.in_force()
                .filter(department=department)
                .select_related("leader")
                .first()
            )
            return [division.leader] if division else []
        kind, _sep, code = rule_text.partition(":")
        if kind == "person":
            return list(
                Person.objects.filter(organisation=organisation, staff_no=code, active=True)
            )
        if kind == "post":
            return [
                a.person
                for a in PostAssignment.objects.current()
                .filter(post__organisation=organisation, post__code=code, person__active=True)
                .select_related("person")
            ]
        if kind == "role":
            users = User.objects.filter(
                is_active=True, role_grants__role=code, role_grants__organisation=organisation
            ).distinct()
            return [getattr(u, "person", None) or u for u in users.order_by("pk")]
        return []

    def assignment(who, rule_text, committee_key="") -> Assignment:
        if isinstance(who, User):
            return Assignment(user=who, rule=rule_text, committee_key=committee_key)
        return Assignment(user=who.user, person=who, rule=rule_text, committee_key=committee_key)

    if rule.startswith("committee:"):
        members, seen = [], set()
        for member_rule in rule[len("committee:") :].split(","):
            for who in persons(member_rule.strip()):
                if who is not None and who.pk not in seen:
                    seen.add(who.pk)
                    members.append(assignment(who, member_rule.strip(), task.bpmn_id))
        return members
    found = [p for p in persons(rule) if p is not None]
    return [assignment(found[0], rule)] if found else []


_resolver: list[Callable] = [assign_simply]
on_tasks_created: list[Callable] = []
on_task_completed: list[Callable] = []


def set_resolver(fn: Callable) -> Callable:
    """Replace how handler rules resolve (see `assign_simply`). Returns `fn` (a decorator)."""
    _resolver[0] = fn
    return fn


def current_resolver() -> Callable:
    """The resolver in force (to put it back after replacing it, e.g. in a test)."""
    return _resolver[0]


def resolve(*, task, instance, rule, spec_task) -> list[Assignment]:
    return list(_resolver[0](task=task, instance=instance, rule=rule, spec_task=spec_task))


# Definitions -----------------------------------------------------------------------------------


def may_publish(actor, organisation) -> bool:
    """System administrators and the integrity office where they may write."""
    if actor is None:
        return True
    scope = scope_of(actor)
    return bool(scope.write) and scope.write.covers(organisation.path)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@transaction.atomic
def definition_publish(
    *,
    actor,
    organisation,
    code,
    bpmn,
    name=None,
    action="flow_definition.publish",
    check_codes=True,
) -> FlowVersion:
    """Publish `bpmn` as the next version of the definition `code` of `organisation`, or raise
    ValidationError (code definition_invalid) listing every reason. The same content as the
    current version publishes nothing new: that version is returned. `check_codes=False`
    (the shipped library) lets power and step codes the organisation lacks pass unlinked."""
    if not may_publish(actor, organisation):
        raise error(FlowError.NOT_PUBLISHER)
    try:
        spec = bpmn_module.parse(bpmn, organisation if check_codes else None)
    except bpmn_module.BpmnInvalid as exc:
        raise ValidationError(
            [ValidationError(r, code=FlowError.DEFINITION_INVALID.value) for r in exc.reasons]
        ) from None
    from lianfang.org.models import Power

    sha = content_hash(bpmn)
    definition, created = FlowDefinition.objects.select_for_update().get_or_create(
        organisation=organisation,
        code=code,
        defaults={"name": (name or spec["name"])[:200]},
    )
    current = definition.current_version
    if current is not None and current.sha256 == sha:
        return current
    power = (
        Power.objects.filter(organisation=organisation, code=spec["power"]).first()
        if spec["power"]
        else None
    )
    number = (definition.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = FlowVersion.objects.create(
        definition=definition,
        number=number,
        bpmn=bpmn,
        sha256=sha,
        spec=spec,
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    before = None if created else {"version": current.number if current else None}
    definition.name = (name or spec["name"])[:200]
    definition.power = power
    definition.current_version = version
    definition.save(update_fields=["name", "power", "current_version"])
    audit.record(
        actor=actor,
        action=action,
        obj=definition,
        before=before,
        after={"code": code, "name": definition.name, "version": number, "sha256": sha},
    )
    return version


# Instances -------------------------------------------------------------------------------------


def _person_of(user):
    from lianfang.org.models import Person

    if user is None or not getattr(user, "pk", None):
        return None
    return Person.objects.filter(user=user).select_related("department").first()


def may_relay(actor, organisation) -> bool:
    """An integration (a service account: no password, no person) holding the administrator
    role where `organisation` lies may start and act for the organisation's people."""
    from lianfang.accounts.api_tokens import is_service_account

    if actor is None or not getattr(actor, "pk", None) or not is_service_account(actor):
        return False
    grants = [g for g in actor.active_grants if g.role == Role.ADMIN]
    return any(organisation.path.startswith(g.organisation.path) for g in grants)


def is_relay(user) -> bool:
    """A service account holding the administrator role somewhere (see `may_relay`)."""
    from lianfang.accounts.api_tokens import is_service_account

    return bool(
        getattr(user, "pk", None)
        and any(g.role == Role.ADMIN for g in user.active_grants)
        and is_service_account(user)
    )


def may_start(actor, definition) -> bool:
    """Staff of the definition's organisation holding one of its starter roles (any role when
    the definition names none)."""
    organisation = definition.organisation
    if not definition.active or definition.current_version_id is None:
        return False
    starters = (definition.current_version.spec or {}).get("starters") or []
    grants = [g for g in actor.active_grants if g.organisation_id == organisation.pk]
    person = _person_of(actor)
    member = bool(grants) or (person is not None and person.organisation_id == organisation.pk)
    if not member:
        return False
    return (
        not starters
        or any(g.role in starters for g in grants)
        or (
            Role.STAFF in starters
            and person is not None
            and person.organisation_id == organisation.pk
        )
    )


def _event(instance, kind, *, actor=None, task=None, **data) -> InstanceEvent:
    return InstanceEvent.objects.create(
        instance=instance,
        task=task,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        data=audit.to_jsonable(data),
    )


def _names(instance) -> dict:
    return fields.typed(instance.version.spec.get("fields", []), instance.data)


def _save_files(actor, instance, files) -> list[int]:
    """Keep `files` ({field or label: upload or [uploads]}) as flow attachments of the instance;
    AttachmentError names the file."""
    saved = []
    for key, uploads in (files or {}).items():
        for upload in uploads if isinstance(uploads, (list, tuple)) else [uploads]:
            try:
                attachment = attachment_save(
                    actor=actor, use=FLOW_ATTACHMENT, target=instance, upload=upload
                )
            except AttachmentError as exc:
                raise error(
                    FlowError.ATTACHMENT,
                    str(key)[:60],
                    name=getattr(upload, "name", "") or key,
                    why=" ".join(exc.messages),
                ) from None
            instance.data.setdefault(key, [])
            if isinstance(instance.data[key], list):
                instance.data[key].append(attachment.pk)
            saved.append(attachment.pk)
    return saved


def _sync_tasks(instance, workflow, actor) -> list[Task]:
    """Make the ready task rows match the workflow's ready user tasks: rows whose workflow task
    is gone are cancelled; each newly ready workflow task gets its rows (one per handler)."""
    ready = {str(t.id): t for t in engine.ready_user_tasks(workflow)}
    rows = list(instance.tasks.filter(state=Task.State.READY))
    now = timezone.now()
    for row in rows:
        if str(row.spiff_id) not in ready:
            row.state = Task.State.CANCELLED
            row.completed_at = now
            row.save(update_fields=["state", "completed_at"])
    have = {str(r.spiff_id) for r in rows if str(r.spiff_id) in ready}
    spec_tasks = instance.version.spec.get("tasks", {})
    created = []
    for spiff_id, spiff_task in ready.items():
        if spiff_id in have:
            continue
        bpmn_id = spiff_task.task_spec.name
        spec_task = spec_tasks.get(bpmn_id, {})
        rule = spec_task.get("handler", "")
        probe = Task(instance=instance, organisation=instance.organisation, bpmn_id=bpmn_id)
        assignments = resolve(task=probe, instance=instance, rule=rule, spec_task=spec_task)
        if not assignments:
            raise error(FlowError.NO_HANDLER, name=spec_task.get("name", bpmn_id), rule=rule)
        step = _step_of(instance, spec_task.get("step", ""))
        for a in assignments:
            row = Task.objects.create(
                instance=instance,
                organisation=instance.organisation,
                bpmn_id=bpmn_id,
                spiff_id=spiff_task.id,
                name=spec_task.get("name", bpmn_id)[:200],
                assignee=a.user,
                assignee_person=a.person,
                candidate_rule=(a.rule or rule)[:300],
                is_control_point=bool(spec_task.get("control_point")),
                step=step,
                committee_key=a.committee_key[:120],
            )
            created.append(row)
            _event(
                instance,
                InstanceEvent.Kind.ARRIVED,
                task=row,
                step=row.name,
                assignee=str(a.person or a.user or ""),
                note=a.note,
            )
    if created:
        for hook in list(on_tasks_created):
            hook(tasks=created, instance=instance, actor=actor)
    return created


def _step_of(instance, step_code):
    from lianfang.org.models import PowerStep

    if not step_code or "/" not in step_code:
        return None
    power_code, key = step_code.split("/", 1)
    return PowerStep.objects.filter(
        power__organisation=instance.organisation, power__code=power_code, key=key
    ).first()


def _subject(instance, spec, subject):
    from lianfang.org.models import Person

    if subject is not None:
        return subject
    for task in spec.get("tasks", {}).values():
        pk = instance.data.get(task.get("subject") or "")
        if pk:
            return Person.objects.filter(pk=pk).first()
    return None


@transaction.atomic
def instance_start(
    *, actor, version, data, files=None, subject=None, title="", on_behalf_of=None
) -> Instance:
    """Start an instance of `version` with the form `data` (and attachments `files`, a dict
    {field name: upload(s)}): clean the fields, run the workflow to its first user tasks and
    assign them. ValidationError for bad input; nothing is written then.

    `on_behalf_of` (a Person of the organisation): an integration (an OA system's service
    account holding the administrator role there) starting for that person, who is then the
    applicant."""
    definition = version.definition
    if not definition.active:
        raise error(FlowError.DEFINITION_INACTIVE, name=definition.name)
    person = None
    if on_behalf_of is not None:
        person = on_behalf_of
        if not may_relay(actor, definition.organisation) or (
            person.organisation_id != definition.organisation_id or not person.active
        ):
            raise error(FlowError.NOT_RELAY)
    elif not may_start(actor, definition):
        raise error(FlowError.NOT_STARTER, name=definition.name)
    spec = version.spec
    organisation = definition.organisation
    try:
        cleaned = fields.clean(spec.get("fields", []), data or {}, organisation=organisation)
    except fields.FieldErrors as exc:
        raise ValidationError(
            {k: ValidationError(v, code=FlowError.FIELDS.value) for k, v in exc.errors.items()}
        ) from None
    attachment_fields = {f["name"]: f for f in spec.get("fields", []) if f["type"] == "attachment"}
    files = dict(files or {})
    missing = [
        f["label"] for n, f in attachment_fields.items() if f.get("required") and not files.get(n)
    ]
    if missing:
        raise error(FlowError.ATTACHMENT_REQUIRED, names="、".join(missing))
    if person is None:
        person = _person_of(actor)
        applicant = actor
    else:
        applicant = person.user if person.user_id and person.user.is_active else actor
    instance = Instance(
        organisation=organisation,
        version=version,
        applicant=applicant,
        applicant_person=person,
        department=person.department if person else None,
        title=(title or "").strip()[:200]
        or f"{definition.name}·{person.name if person else actor}"[:200],
        data=cleaned,
    )
    instance.subject = _subject(instance, spec, subject)
    try:
        workflow = engine.new_workflow(version.bpmn, spec["process_id"], _names(instance))
    except engine.EngineError as exc:
        raise error(FlowError.ENGINE, why=str(exc)) from None
    instance.workflow = engine.dump(workflow)
    instance.save()
    instance.number = f"{definition.code}-{timezone.localdate():%Y%m%d}-{instance.pk:06d}"[:40]
    _save_files(actor, instance, {k: v for k, v in files.items() if k in attachment_fields})
    if engine.is_completed(workflow):
        instance.state = Instance.State.COMPLETED
        instance.finished_at = timezone.now()
    instance.save()
    _event(instance, InstanceEvent.Kind.STARTED, actor=actor, title=instance.title)
    audit.record(
        actor=actor,
        action="flow_instance.start",
        obj=instance,
        after={
            "flow": definition.code,
            "version": version.number,
            "title": instance.title,
            "on_behalf_of": str(on_behalf_of) if on_behalf_of is not None else None,
        },
    )
    _sync_tasks(instance, workflow, actor)
    if instance.state == Instance.State.COMPLETED:
        _event(instance, InstanceEvent.Kind.COMPLETED)
    return instance


# Actions on a task -----------------------------------------------------------------------------


def _reason(action, reason, *, required) -> str:
    reason = (reason or "").strip()[:REASON_LIMIT]
    if required and not reason:
        what = {
            "return": _("退回"),
            "reject": _("不同意"),
            "transfer": _("转办"),
            "comment": _("意见"),
        }.get(action, action)
        raise error(FlowError.REASON_REQUIRED, "reason", what=what)
    return reason


def _check_actor(actor, task, instance, action):
    """Only the task's handler acts on it; the applicant withdraws (and may comment). Anything
    else is a 404."""
    if actor is None or not getattr(actor, "pk", None):
        raise TaskUnavailable()
    if action == "withdraw":
        if instance.applicant_id != actor.pk:
            raise TaskUnavailable()
        return
    if action == "comment" and instance.applicant_id == actor.pk:
        return
    if task.assignee_id != actor.pk:
        raise TaskUnavailable()


def _committee_outcome(task, completion) -> str:
    """'pending', 'approve' or 'reject' of the committee (会签) `task` belongs to, now that
    `task` has its decision: "all" must all agree; "majority" needs more than half."""
    rows = list(
        Task.objects.filter(
            instance_id=task.instance_id, spiff_id=task.spiff_id, committee_key=task.committee_key
        ).exclude(state=Task.State.CANCELLED)
    )
    total = len(rows)
    yes = sum(1 for r in rows if r.decision == Task.Decision.APPROVE)
    no = sum(1 for r in rows if r.decision == Task.Decision.REJECT)
    if completion == "majority":
        if yes * 2 > total:
            return "approve"
        if (total - no) * 2 <= total:
            return "reject"
        return "pending"
    if no:
        return "reject"
    return "approve" if yes == total else "pending"


def _close(instance, state, now, workflow=None):
    instance.state = state
    instance.finished_at = now
    for row in instance.tasks.filter(state=Task.State.READY):
        row.state = Task.State.CANCELLED
        row.completed_at = now
        row.save(update_fields=["state", "completed_at"])
    if workflow is not None:
        engine.cancel(workflow)


def task_act(
    *,
    actor,
    task,
    action,
    reason="",
    data=None,
    target=None,
    files=None,
    expected_version=None,
    on_behalf_of=None,
) -> Task:
    """Act on a ready task: approve, return (to `target`, an earlier user task's BPMN id, by
    default the previous step), reject, withdraw (the applicant, before any approval), comment,
    transfer (to `target`, a user of the organisation). `data` may correct form fields on
    approval; `files` adds attachments. Atomic: TaskUnavailable (404) when the task is not the
    actor's or not ready any more; ValidationError for bad input; nothing changes then.

    `on_behalf_of` (a user): an integration's service account (see `may_relay`) relaying the
    act of that user, who must be the task's handler; the audit event names both."""
    if action not in ACTIONS:
        raise error(FlowError.UNKNOWN_ACTION, "action", action=str(action)[:30])
    with transaction.atomic():
        instance = (
            Instance.objects.select_for_update(of=("self",))
            .select_related("version", "organisation", "department")
            .filter(pk=task.instance_id)
            .first()
        )
        task = Task.objects.select_for_update().filter(pk=task.pk).first()
        if instance is None or task is None or task.instance_id != instance.pk:
            raise TaskUnavailable()
        if instance.state != Instance.State.RUNNING or task.state != Task.State.READY:
            raise TaskUnavailable()
        relay = actor
        if on_behalf_of is not None:
            if not may_relay(relay, instance.organisation):
                raise TaskUnavailable()
            actor = on_behalf_of
        _check_actor(actor, task, instance, action)
        if expected_version is not None and int(expected_version) != instance.lock_version:
            raise error(FlowError.STALE)
        task.instance = instance
        reason_text = (reason or "").strip()[:REASON_LIMIT]
        # the action first on the timeline, then the tasks it makes arrive
        event = _event(instance, _EVENT_KINDS[action], actor=actor, task=task, step=task.name)
        details = _HANDLERS[action](
            actor=actor,
            task=task,
            instance=instance,
            reason=reason,
            data=data,
            target=target,
            files=files,
        )
        event.data = audit.to_jsonable({"step": task.name, "reason": reason_text, **details})
        event.save(update_fields=["data"])
        instance.lock_version += 1
        instance.save()
        if relay is not actor:
            details = {**details, "via": relay.get_username()}
            event.data["via"] = relay.get_username()
            event.save(update_fields=["data"])
        audit.record(
            actor=relay,
            action=_AUDIT_ACTIONS[action],
            obj=task,
            after={
                "on_behalf_of": actor.get_username() if relay is not actor else None,
                "instance": instance.number,
                "step": task.name,
                "reason": (reason or "").strip()[:500],
                **details,
            },
            organisation=instance.organisation,
        )
        if instance.state == Instance.State.COMPLETED:
            _event(instance, InstanceEvent.Kind.COMPLETED)
        return task


def _load(instance):
    try:
        return engine.load(instance.workflow, _names(instance))
    except engine.EngineError as exc:
        raise error(FlowError.ENGINE, why=str(exc)) from None


def _finish_row(task, actor, decision, reason, now):
    task.state = Task.State.COMPLETED
    task.decision = decision
    task.comment = reason
    task.completed_at = now
    task.completed_by = actor
    task.save(update_fields=["state", "decision", "comment", "completed_at", "completed_by"])


def _approve(*, actor, task, instance, reason, data, target, files):
    spec_task = instance.version.spec.get("tasks", {}).get(task.bpmn_id, {})
    reason = _reason("approve", reason, required=False)
    if data:
        try:
            changed = fields.clean(
                instance.version.spec.get("fields", []),
                data,
                organisation=instance.organisation,
                partial=True,
            )
        except fields.FieldErrors as exc:
            raise ValidationError(
                {k: ValidationError(v, code=FlowError.FIELDS.value) for k, v in exc.errors.items()}
            ) from None
        instance.data.update(changed)
    if files:
        _save_files(actor, instance, files)
    required = spec_task.get("attachments") or []
    if required:
        names = [a.name for a in attachments_of(instance, FLOW_ATTACHMENT)]
        missing = [r for r in required if not any(r in n for n in names)]
        if missing:
            raise error(FlowError.ATTACHMENT_REQUIRED, names="、".join(missing))
    now = timezone.now()
    _finish_row(task, actor, Task.Decision.APPROVE, reason, now)
    approved_before = Task.objects.filter(
        instance_id=instance.pk,
        bpmn_id=task.bpmn_id,
        state=Task.State.COMPLETED,
        decision=Task.Decision.APPROVE,
    ).exclude(pk=task.pk)
    if not approved_before.exists():
        instance.steps_approved += 1  # saved by task_act with the instance
    if task.committee_key:
        outcome = _committee_outcome(task, spec_task.get("completion", "all"))
        if outcome == "pending":
            return {"committee": "pending"}
        if outcome == "reject":
            _close(instance, Instance.State.REJECTED, now, workflow := _load(instance))
            instance.workflow = engine.dump(workflow)
            _step_decided(_committee_member(task, Task.Decision.REJECT), instance, actor)
            return {"committee": "rejected"}
    workflow = _load(instance)
    try:
        engine.complete(workflow, task.spiff_id, {"decision": "approve"})
    except engine.EngineError as exc:
        raise error(FlowError.ENGINE, why=str(exc)) from None
    instance.workflow = engine.dump(workflow)
    _sync_tasks(instance, workflow, actor)
    for hook in list(on_task_completed):
        hook(task=task, instance=instance, actor=actor, spec_task=spec_task)
    if engine.is_completed(workflow):
        instance.state = Instance.State.COMPLETED
        instance.finished_at = now
    return {}


def _earlier_steps(workflow, task) -> list[str]:
    """The user tasks completed in the workflow's current run before `task`, oldest first, each
    once. A return drops what came after its target, so a step handled before a return is no
    longer "earlier" once the matter has gone back past it."""
    earlier = []
    for done in engine.completed_user_tasks(workflow):
        name = done.task_spec.name
        if name != task.bpmn_id:
            if name in earlier:
                earlier.remove(name)
            earlier.append(name)
    return earlier


def return_targets(instance, task) -> list[tuple[str, str]]:
    """The steps `task` may return its matter to, as (bpmn id, step name), the latest last: the
    one rule the act page's choices, the demo and the 退回 action share."""
    names = instance.version.spec.get("tasks", {})
    return [
        (bpmn_id, names.get(bpmn_id, {}).get("name", bpmn_id))
        for bpmn_id in _earlier_steps(_load(instance), task)
    ]


def _return(*, actor, task, instance, reason, data, target, files):
    reason = _reason("return", reason, required=True)
    workflow = _load(instance)
    earlier = _earlier_steps(workflow, task)
    if target in (None, ""):
        if not earlier:
            raise error(FlowError.RETURN_TARGET, "target")
        target = earlier[-1]
    if target not in earlier:
        raise error(FlowError.RETURN_TARGET, "target")
    now = timezone.now()
    _finish_row(task, actor, Task.Decision.RETURN, reason, now)
    engine.reset_to(workflow, target)
    instance.workflow = engine.dump(workflow)
    _sync_tasks(instance, workflow, actor)
    return {"to": target}


def _reject(*, actor, task, instance, reason, data, target, files):
    reason = _reason("reject", reason, required=True)
    now = timezone.now()
    _finish_row(task, actor, Task.Decision.REJECT, reason, now)
    if task.committee_key:
        spec_task = instance.version.spec.get("tasks", {}).get(task.bpmn_id, {})
        outcome = _committee_outcome(task, spec_task.get("completion", "all"))
        if outcome == "pending":
            return {"committee": "pending"}
        if outcome == "approve":  # a majority agreed already (cannot happen after one no)
            return {"committee": "approve"}
    workflow = _load(instance)
    _close(instance, Instance.State.REJECTED, now, workflow)
    instance.workflow = engine.dump(workflow)
    _step_decided(task, instance, actor)
    return {}


def _committee_member(task, decision):
    """A member of `task`'s committee whose decision is `decision` (the committee's), else
    `task` itself."""
    member = (
        Task.objects.filter(
            instance_id=task.instance_id,
            spiff_id=task.spiff_id,
            committee_key=task.committee_key,
            decision=decision,
        )
        .order_by("completed_at", "pk")
        .first()
    )
    return member or task


def _step_decided(task, instance, actor):
    """Run the `on_task_completed` hooks for a step decided by rejection (不同意): a control
    point publishes what it decided, as it does on approval."""
    spec_task = instance.version.spec.get("tasks", {}).get(task.bpmn_id, {})
    task.instance = instance
    for hook in list(on_task_completed):
        hook(task=task, instance=instance, actor=actor, spec_task=spec_task)


def _withdraw(*, actor, task, instance, reason, data, target, files):
    if instance.tasks.filter(decision=Task.Decision.APPROVE).exists():
        raise error(FlowError.ALREADY_APPROVED)
    reason = _reason("withdraw", reason, required=False)
    now = timezone.now()
    workflow = _load(instance)
    _close(instance, Instance.State.WITHDRAWN, now, workflow)
    instance.workflow = engine.dump(workflow)
    task.refresh_from_db()
    return {}


def _comment(*, actor, task, instance, reason, data, target, files):
    _reason("comment", reason, required=True)
    return {}


def _transfer(*, actor, task, instance, reason, data, target, files):
    from lianfang.accounts.models import User
    from lianfang.org.models import Person

    reason = _reason("transfer", reason, required=True)
    if isinstance(target, Person):
        target = target.user
    pk = getattr(target, "pk", target)
    to = None
    if str(pk or "").isascii() and str(pk or "").isdigit() and len(str(pk)) < 19:
        to = User.objects.filter(pk=int(pk), is_active=True).first()
    person = _person_of(to) if to else None
    member = to is not None and (
        to.organisation_id == instance.organisation_id
        or (person is not None and person.organisation_id == instance.organisation_id)
    )
    if not member or to.pk == task.assignee_id:
        raise error(FlowError.TRANSFER_TARGET, "target")
    from . import handlers  # the rules' no self-approval (handlers registers with this module)

    spec_task = instance.version.spec.get("tasks", {}).get(task.bpmn_id, {})
    if not handlers.may_handle(instance, spec_task, to.pk):
        raise error(FlowError.TRANSFER_CONFLICT, "target")
    before = str(task.assignee_person or task.assignee or "")
    task.assignee = to
    task.assignee_person = person
    task.save(update_fields=["assignee", "assignee_person"])
    return {"from": before, "to": str(person or to)}


_HANDLERS = {
    "approve": _approve,
    "return": _return,
    "reject": _reject,
    "withdraw": _withdraw,
    "comment": _comment,
    "transfer": _transfer,
}
