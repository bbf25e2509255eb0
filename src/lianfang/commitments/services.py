"""Every write of the commitments module (廉政承诺).

A commitment is generated from the register: the signer's **filed** risk points and their
measures (a person: the points of the posts they hold now; a department: the department's
points) are copied into its content with the organisation's template items and 违诺责任. The
signer adds only what is personal. States: draft → submitted → reviewed (by the leader in
charge of the department; returned with a reason) → signed. Signing asks for the signer's
password, stamps the time and the SHA-256 of the canonical content, and records both in the
audit chain; a signed commitment is frozen. At year end the signer reports against each item
(履诺) and the reviewer checks the report.

`commitments_generate` is the bulk writer (a hospital's 1,500 staff as a job): the same
content builder as the single service, no query per person, one `record_many`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit
from lianfang.core.roles import Role
from lianfang.core.scoping import write_reach
from lianfang.org.models import Department, Organisation, Person, PostAssignment
from lianfang.reviews import chain
from lianfang.risks.models import Measure, RiskPoint

from . import documents, notifications
from .models import Commitment, CommitmentTemplate
from .templates_default import DEFAULT_BREACH, default_items

State = Commitment.State
Kind = Commitment.Kind
EDITABLE = (State.DRAFT, State.RETURNED)
MAX_ITEMS = 20
MAX_TEXT = 2000
# the fields whose values the audit events show
AUDITED = ("state", "personal", "return_reason", "return_count", "content_hash", "signed_at")


# The template ---------------------------------------------------------------------------------


def template_for(organisation: Organisation) -> tuple[list[dict], str, Organisation | None]:
    """(items, 违诺责任, the organisation whose template it is): the organisation's own, else
    the nearest ancestor's, else the default (None). One query."""
    ids = organisation.ancestors_ids() or [organisation.pk]
    found = {
        t.organisation_id: t for t in CommitmentTemplate.objects.filter(organisation_id__in=ids)
    }
    for org_id in reversed(ids):
        if org_id in found:
            t = found[org_id]
            return list(t.items), t.breach, t.organisation
    return default_items(), str(DEFAULT_BREACH), None


def may_keep_template(user, organisation: Organisation) -> bool:
    grants = getattr(user, "active_grants", ())
    return write_reach(grants, (Role.INTEGRITY, Role.ADMIN)).covers(organisation.path)


def _clean_items(items) -> list[dict]:
    cleaned = []
    for item in items or ():
        title = str(item.get("title", "")).strip()
        text = str(item.get("text", "")).strip()
        if not title and not text:
            continue
        if not title or not text:
            raise ValidationError(_("每个承诺事项都需要填写事项名称和承诺内容。"))
        if len(title) > 40 or len(text) > MAX_TEXT:
            raise ValidationError(_("承诺事项名称不超过 40 字，内容不超过 2000 字。"))
        cleaned.append({"title": title, "text": text})
    if not cleaned:
        raise ValidationError(_("承诺书模板至少需要一个承诺事项。"))
    if len(cleaned) > MAX_ITEMS:
        raise ValidationError(_("承诺事项不超过 %(n)s 项。") % {"n": MAX_ITEMS})
    return cleaned


@transaction.atomic
def template_save(*, actor, organisation: Organisation, items, breach: str) -> CommitmentTemplate:
    """Set the organisation's own template (its commitments generated from now on use it)."""
    if not may_keep_template(actor, organisation):
        raise PermissionDenied
    items = _clean_items(items)
    breach = (breach or "").strip()
    if not breach:
        raise ValidationError(_("请填写违诺责任。"))
    if len(breach) > MAX_TEXT:
        raise ValidationError(_("违诺责任不超过 2000 字。"))
    template = CommitmentTemplate.objects.select_for_update().filter(organisation=organisation)
    template = template.first()
    before = audit.snapshot(template, ["items", "breach"]) if template else None
    if template is None:
        template = CommitmentTemplate(organisation=organisation)
    template.items, template.breach, template.updated_at = items, breach, timezone.now()
    template.save()
    audit.record(
        actor=actor,
        action="commitment_template.save",
        obj=template,
        before=before,
        after=audit.snapshot(template, ["items", "breach"]),
    )
    return template


# The content ----------------------------------------------------------------------------------


@dataclass
class Register:
    """What generation reads from the register and the roster, read once for many signers:
    the filed points by post and by department, each with its measures' texts."""

    by_post: dict[int, list[dict]] = field(default_factory=dict)
    by_department: dict[int, list[dict]] = field(default_factory=dict)


def _point_row(point: RiskPoint, measures: list[str]) -> dict:
    return {
        "id": point.pk,
        "name": point.name,
        "category": str(point.get_category_display()),
        "level": str(point.get_level_display()) if point.level else "",
        "manifestation": point.manifestation,
        "measures": measures,
    }


def register_of(organisation_ids, *, post_ids=None, department_ids=None) -> Register:
    """The filed post and department points of the organisations (narrowed to posts or
    departments when given) with their measures. Two queries."""
    points = RiskPoint.objects.filter(
        organisation_id__in=organisation_ids, status=RiskPoint.Status.FILED
    )
    if post_ids is not None or department_ids is not None:
        q = Q(pk__in=[])
        if post_ids:
            q |= Q(subject=RiskPoint.Subject.POST, post_id__in=post_ids)
        if department_ids:
            q |= Q(subject=RiskPoint.Subject.DEPARTMENT, department_id__in=department_ids)
        points = points.filter(q)
    else:
        points = points.filter(subject__in=(RiskPoint.Subject.POST, RiskPoint.Subject.DEPARTMENT))
    points = list(
        points.only(
            "pk",
            "name",
            "category",
            "level",
            "manifestation",
            "subject",
            "post_id",
            "department_id",
        ).order_by("level", "pk")
    )
    measures = defaultdict(list)
    through = Measure.risk_points.through
    for point_id, text in (
        through.objects.filter(riskpoint_id__in=[p.pk for p in points])
        .order_by("measure_id")
        .values_list("riskpoint_id", "measure__text")
    ):
        measures[point_id].append(text)
    register = Register()
    for point in points:
        row = _point_row(point, measures.get(point.pk, []))
        if point.subject == RiskPoint.Subject.POST:
            register.by_post.setdefault(point.post_id, []).append(row)
        else:
            register.by_department.setdefault(point.department_id, []).append(row)
    return register


def person_key(person_id: int, year: int, assignment_ids) -> str:
    return f"p:{person_id}:{year}:{'-'.join(str(i) for i in sorted(assignment_ids))}"


def department_key(department_id: int, year: int) -> str:
    return f"d:{department_id}:{year}"


def _content(*, unit, department, posts, points, items, breach) -> dict:
    return {
        "unit": unit,
        "department": department,
        "posts": posts,
        "points": points,
        "items": items,
        "breach": breach,
    }


def personal_content(person, assignments, register: Register, template) -> dict:
    items, breach, _owner = template
    points, seen = [], set()
    for a in assignments:
        for row in register.by_post.get(a.post_id, []):
            if row["id"] not in seen:
                seen.add(row["id"])
                points.append(row)
    return _content(
        unit=person.organisation.name,
        department=person.department.name if person.department_id else "",
        posts="、".join(a.post.name for a in assignments),
        points=points,
        items=items,
        breach=breach,
    )


def departmental_content(department, register: Register, template) -> dict:
    items, breach, _owner = template
    return _content(
        unit=department.organisation.name,
        department=department.name,
        posts="",
        points=list(register.by_department.get(department.pk, [])),
        items=items,
        breach=breach,
    )


def current_assignments_of(person_ids) -> dict[int, list[PostAssignment]]:
    found = defaultdict(list)
    for a in (
        PostAssignment.objects.current()
        .filter(person_id__in=person_ids)
        .select_related("post")
        .order_by("start", "pk")
    ):
        found[a.person_id].append(a)
    return found


def canonical_content(commitment: Commitment) -> bytes:
    """What the signature's hash covers: who signs what, for which year, and the content."""
    body = {
        "kind": commitment.kind,
        "year": commitment.year,
        "organisation": commitment.organisation_id,
        "person": commitment.person_id,
        "department": commitment.department_id,
        "posts": commitment.posts,
        "content": commitment.content,
        "personal": commitment.personal,
        "signed_by": commitment.signed_by_id,
        "signed_at": commitment.signed_at.isoformat() if commitment.signed_at else None,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_digest(commitment: Commitment) -> str:
    return hashlib.sha256(canonical_content(commitment)).hexdigest()


# Who acts -------------------------------------------------------------------------------------


def signer_user_ids(commitment: Commitment) -> set[int]:
    """The accounts that sign: the person's own; for a department, its head's and the
    accounts granted 部门负责人 on it."""
    if commitment.kind == Kind.PERSONAL:
        user_id = commitment.person.user_id if commitment.person_id else None
        return {user_id} if user_id else set()
    department = commitment.department
    ids = set(chain.department_heads(department.pk))
    if department.head_id:
        head_user = Person.objects.filter(pk=department.head_id).values_list("user_id", flat=True)
        ids |= {u for u in head_user if u}
    return ids


def reviewer_user_ids(commitment: Commitment) -> set[int]:
    """The leaders in charge of the signer's department (never the signer); with none, the
    integrity office of the organisation (or the nearest above)."""
    signers = signer_user_ids(commitment)
    ids = set()
    if commitment.department_id:
        ids = chain.leaders_in_charge(commitment.department_id) - signers
    if not ids:
        ids = chain.office_of(commitment.organisation, exclude=signers)[1]
    return ids


def is_signer(user, commitment) -> bool:
    return bool(user and user.pk in signer_user_ids(commitment))


def is_reviewer(user, commitment) -> bool:
    return bool(user and user.pk in reviewer_user_ids(commitment))


def _locked(commitment: Commitment) -> Commitment:
    return (
        # the commitment's row only: PostgreSQL locks no nullable side of an outer join
        Commitment.objects.select_for_update(of=("self",))
        .select_related("organisation", "person", "department")
        .get(pk=commitment.pk)
    )


def _save(actor, commitment: Commitment, action: str, before: dict, **extra) -> Commitment:
    commitment.updated_at = timezone.now()
    commitment.save()
    audit.record(
        actor=actor,
        action=action,
        obj=commitment,
        before=before,
        after={**audit.snapshot(commitment, AUDITED), **extra},
    )
    return commitment


# Generation -----------------------------------------------------------------------------------


def _refuse_year(year: int) -> None:
    today = timezone.localdate()
    if not isinstance(year, int) or year < 2000 or year > today.year + 1:
        raise ValidationError(_("年度无效。"))


@transaction.atomic
def commitment_generate(*, actor, person: Person, year: int) -> Commitment:
    """The person's commitment of `year` for the posts they hold now: the existing one (its
    content refreshed from the register while it is a draft), else a new draft."""
    _refuse_year(year)
    person = Person.objects.select_related("organisation", "department").get(pk=person.pk)
    if not person.active:
        raise ValidationError(_("%(name)s 已不在职。") % {"name": person.name})
    if actor.pk != person.user_id and not may_generate(actor, person.organisation):
        raise PermissionDenied
    assignments = current_assignments_of([person.pk]).get(person.pk, [])
    if not assignments:
        raise ValidationError(
            _("%(name)s 当前没有任职岗位，无法生成个人承诺书。") % {"name": person.name}
        )
    ids = [a.pk for a in assignments]
    register = register_of([person.organisation_id], post_ids=[a.post_id for a in assignments])
    content = personal_content(person, assignments, register, template_for(person.organisation))
    key = person_key(person.pk, year, ids)
    return _generated(
        actor,
        key,
        content,
        organisation=person.organisation,
        kind=Kind.PERSONAL,
        year=year,
        person=person,
        department=person.department,
        posts=content["posts"],
        assignment_ids=sorted(ids),
    )


@transaction.atomic
def department_commitment_generate(*, actor, department: Department, year: int) -> Commitment:
    """The department's commitment of `year`, signed by its head."""
    _refuse_year(year)
    department = Department.objects.select_related("organisation", "head").get(pk=department.pk)
    if not may_generate(actor, department.organisation) and actor.pk not in chain.department_heads(
        department.pk
    ):
        raise PermissionDenied
    if department.head_id is None:
        raise ValidationError(
            _("%(name)s 未设置负责人，无法生成部门承诺书。") % {"name": department.name}
        )
    register = register_of([department.organisation_id], department_ids=[department.pk])
    content = departmental_content(department, register, template_for(department.organisation))
    key = department_key(department.pk, year)
    return _generated(
        actor,
        key,
        content,
        organisation=department.organisation,
        kind=Kind.DEPARTMENTAL,
        year=year,
        person=department.head,
        department=department,
    )


def _generated(actor, key: str, content: dict, **fields) -> Commitment:
    """The commitment under `key`: created with `content` and `fields`, or its content refreshed
    while it is still editable (one rule for personal and departmental commitments)."""
    existing = Commitment.objects.select_for_update().filter(key=key).first()
    if existing is not None:
        if existing.state in EDITABLE and existing.content != content:
            before = audit.snapshot(existing, AUDITED)
            existing.content = content
            return _save(actor, existing, "commitment.refresh", before)
        return existing
    commitment = Commitment.objects.create(key=key, content=content, **fields)
    audit.record(
        actor=actor,
        action="commitment.generate",
        obj=commitment,
        after=audit.snapshot(commitment, ("kind", "year", "key", "state")),
    )
    return commitment


def may_generate(user, organisation: Organisation) -> bool:
    """The integrity office and administrators of the organisation (or above, writable)."""
    return write_reach(getattr(user, "active_grants", ()), (Role.INTEGRITY, Role.ADMIN)).covers(
        organisation.path
    )


@dataclass
class Generated:
    created: int = 0
    skipped: int = 0
    people: int = 0


def commitments_generate(
    *,
    actor,
    organisation: Organisation,
    year: int,
    progress=None,
    chunk_size: int = 250,
    person_ids=None,
) -> Generated:
    """The bulk writer: a personal commitment of `year` for every active person of the
    organisation who holds a post and has none yet for the posts they hold now. The same
    content builder as `commitment_generate`; each chunk of people is written in its own
    transaction (bulk_create and one record_many), so progress shows and a rerun continues
    where a stopped one left off. `person_ids` narrows it to those people."""
    _refuse_year(year)
    if not may_generate(actor, organisation):
        raise PermissionDenied
    template = template_for(organisation)
    people = Person.objects.active().filter(organisation=organisation)
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    people_ids = list(people.order_by("pk").values_list("pk", flat=True))
    register = register_of([organisation.pk])
    result = Generated(people=len(people_ids))
    done = 0
    if progress:
        progress(0, len(people_ids), force=True)
    for ids in _slices(people_ids, chunk_size):
        with transaction.atomic():
            people = list(
                Person.objects.filter(pk__in=ids).select_related("organisation", "department")
            )
            assignments = current_assignments_of(ids)
            keys = {}
            for person in people:
                held = assignments.get(person.pk)
                if held:
                    keys[person.pk] = person_key(person.pk, year, [a.pk for a in held])
            existing = set(
                Commitment.objects.filter(key__in=keys.values()).values_list("key", flat=True)
            )
            rows = []
            now = timezone.now()
            for person in people:
                key = keys.get(person.pk)
                if key is None or key in existing:
                    result.skipped += 1
                    continue
                held = assignments[person.pk]
                content = personal_content(person, held, register, template)
                rows.append(
                    Commitment(
                        organisation_id=person.organisation_id,
                        kind=Kind.PERSONAL,
                        year=year,
                        person_id=person.pk,
                        department_id=person.department_id,
                        posts=content["posts"],
                        assignment_ids=sorted(a.pk for a in held),
                        key=key,
                        content=content,
                        created_at=now,
                        updated_at=now,
                    )
                )
            created = Commitment.objects.bulk_create(rows, batch_size=500)
            if created and created[0].pk is None:  # a backend that returns no keys
                by_key = dict(
                    Commitment.objects.filter(key__in=[r.key for r in rows]).values_list(
                        "key", "pk"
                    )
                )
                for row in created:
                    row.pk = row.id = by_key[row.key]
            audit.record_many(
                actor=actor,
                changes=[
                    audit.Change(
                        action="commitment.generate",
                        obj=row,
                        after={
                            "kind": row.kind,
                            "year": row.year,
                            "key": row.key,
                            "state": row.state,
                        },
                        object_repr=f"{row.year} · {row.content['posts']}",
                    )
                    for row in created
                ],
            )
            result.created += len(created)
        done += len(ids)
        if progress:
            progress(done, len(people_ids), force=True)
    return result


def _slices(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


# The signer's edits and the review --------------------------------------------------------------


@transaction.atomic
def commitment_update(*, actor, commitment: Commitment, personal: str) -> Commitment:
    """The signer's own additions (本人补充承诺), while a draft or returned."""
    commitment = _locked(commitment)
    if not is_signer(actor, commitment):
        raise PermissionDenied
    if commitment.state not in EDITABLE:
        raise ValidationError(_("承诺书已提交或已签署，不能修改。"))
    personal = (personal or "").strip()
    if len(personal) > MAX_TEXT:
        raise ValidationError(_("补充承诺不超过 2000 字。"))
    before = audit.snapshot(commitment, AUDITED)
    commitment.personal = personal
    return _save(actor, commitment, "commitment.update", before)


@transaction.atomic
def commitment_submit(*, actor, commitment: Commitment) -> Commitment:
    commitment = _locked(commitment)
    if not is_signer(actor, commitment):
        raise PermissionDenied
    if commitment.state not in EDITABLE:
        raise ValidationError(_("只有草稿或被退回的承诺书可以提交。"))
    if not reviewer_user_ids(commitment):
        raise ValidationError(_("没有可以审核这份承诺书的分管领导或纪检监察部门。"))
    before = audit.snapshot(commitment, AUDITED)
    commitment.state = State.SUBMITTED
    commitment.submitted_at = timezone.now()
    _save(actor, commitment, "commitment.submit", before)
    notifications.tell_reviewers(
        commitment, reviewer_user_ids(commitment), actor=actor, what=_("廉政承诺书")
    )
    return commitment


@transaction.atomic
def commitment_approve(*, actor, commitment: Commitment) -> Commitment:
    """The leader in charge approves: the signer may sign now."""
    commitment = _locked(commitment)
    if not is_reviewer(actor, commitment):
        raise PermissionDenied
    if commitment.state != State.SUBMITTED:
        raise ValidationError(_("这份承诺书不在待审核状态。"))
    before = audit.snapshot(commitment, AUDITED)
    commitment.state = State.REVIEWED
    commitment.reviewer = actor
    commitment.reviewed_at = timezone.now()
    commitment.return_reason = ""
    _save(actor, commitment, "commitment.approve", before)
    notifications.tell_signers(
        commitment, signer_user_ids(commitment), actor=actor, outcome=_("已审核通过，请签署")
    )
    return commitment


@transaction.atomic
def commitment_return(*, actor, commitment: Commitment, reason: str) -> Commitment:
    commitment = _locked(commitment)
    if not is_reviewer(actor, commitment):
        raise PermissionDenied
    if commitment.state != State.SUBMITTED:
        raise ValidationError(_("这份承诺书不在待审核状态。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("退回需要说明原因。"))
    if len(reason) > MAX_TEXT:
        raise ValidationError(_("退回原因不超过 2000 字。"))
    before = audit.snapshot(commitment, AUDITED)
    commitment.state = State.RETURNED
    commitment.return_reason = reason
    commitment.return_count += 1
    commitment.reviewer = actor
    commitment.reviewed_at = timezone.now()
    _save(actor, commitment, "commitment.return", before)
    notifications.tell_signers(
        commitment, signer_user_ids(commitment), actor=actor, outcome=_("已被退回"), reason=reason
    )
    return commitment


@transaction.atomic
def commitment_sign(*, actor, commitment: Commitment, password: str, now=None) -> Commitment:
    """The signer signs (an authenticated act: their password again). The time and the
    SHA-256 of the canonical content are stored and go into the audit chain."""
    commitment = _locked(commitment)
    if not is_signer(actor, commitment):
        raise PermissionDenied
    if commitment.state != State.REVIEWED:
        raise ValidationError(_("承诺书须经分管领导审核后才能签署。"))
    if not password or not actor.check_password(password):
        raise ValidationError(_("密码不正确，未签署。"))
    before = audit.snapshot(commitment, AUDITED)
    commitment.state = State.SIGNED
    commitment.signed_by = actor
    commitment.signed_at = now or timezone.now()
    commitment.content_hash = content_digest(commitment)
    _save(actor, commitment, "commitment.sign", before, sha256=commitment.content_hash)
    documents.archive(actor=actor, commitment=commitment)  # the signed version, kept
    return commitment


def verify_signature(commitment: Commitment) -> bool:
    """Whether the signed content still hashes to what was signed."""
    return bool(commitment.content_hash) and content_digest(commitment) == commitment.content_hash


@transaction.atomic
def commitment_publish(*, actor, commitment: Commitment, published: bool = True) -> Commitment:
    """Internal publication (公示) of a signed commitment, if the unit chooses; or its end."""
    commitment = _locked(commitment)
    if not may_generate(actor, commitment.organisation):
        raise PermissionDenied
    if commitment.state != State.SIGNED:
        raise ValidationError(_("只有已签署的承诺书可以公示。"))
    before = audit.snapshot(commitment, ["published_at"])
    commitment.published_at = timezone.now() if published else None
    commitment.save(update_fields=["published_at"])
    audit.record(
        actor=actor,
        action="commitment.publish" if published else "commitment.unpublish",
        obj=commitment,
        before=before,
        after=audit.snapshot(commitment, ["published_at"]),
    )
    return commitment


# Fulfilment (履诺) -----------------------------------------------------------------------------


@transaction.atomic
def fulfilment_report(*, actor, commitment: Commitment, reports: list[str]) -> Commitment:
    """The signer's report against each item (the template's items, then 本人补充承诺 when
    there is one)."""
    commitment = _locked(commitment)
    if not is_signer(actor, commitment):
        raise PermissionDenied
    if commitment.state != State.SIGNED:
        raise ValidationError(_("承诺书签署后才能报告履诺情况。"))
    if commitment.fulfilment_state in (
        Commitment.Fulfilment.REPORTED,
        Commitment.Fulfilment.CHECKED,
    ):
        raise ValidationError(_("履诺情况已报告，不能再改。"))
    titles = fulfilment_titles(commitment)
    reports = [str(r or "").strip() for r in reports]
    if len(reports) != len(titles) or any(not r for r in reports):
        raise ValidationError(_("请逐项填写履诺情况。"))
    if any(len(r) > MAX_TEXT for r in reports):
        raise ValidationError(_("每项履诺情况不超过 2000 字。"))
    before = audit.snapshot(commitment, ["fulfilment_state", "fulfilment"])
    commitment.fulfilment = [
        {"title": t, "report": r} for t, r in zip(titles, reports, strict=True)
    ]
    commitment.fulfilment_state = Commitment.Fulfilment.REPORTED
    commitment.fulfilment_reported_at = timezone.now()
    commitment.save()
    notifications.tell_reviewers(
        commitment, reviewer_user_ids(commitment), actor=actor, what=_("履诺情况报告")
    )
    audit.record(
        actor=actor,
        action="commitment.fulfilment_report",
        obj=commitment,
        before=before,
        after=audit.snapshot(commitment, ["fulfilment_state", "fulfilment"]),
    )
    return commitment


def fulfilment_titles(commitment: Commitment) -> list[str]:
    titles = [item["title"] for item in commitment.content.get("items", [])]
    if commitment.personal:
        titles.append("本人补充承诺")  # the form's own words, like the items' titles
    return titles


@transaction.atomic
def fulfilment_check(*, actor, commitment: Commitment, accept: bool, note: str) -> Commitment:
    """The reviewer checks the report: accepted (已核查), or returned with a note to redo."""
    commitment = _locked(commitment)
    if not is_reviewer(actor, commitment):
        raise PermissionDenied
    if commitment.fulfilment_state != Commitment.Fulfilment.REPORTED:
        raise ValidationError(_("没有待核查的履诺报告。"))
    note = (note or "").strip()
    if not accept and not note:
        raise ValidationError(_("退回履诺报告需要说明原因。"))
    if len(note) > MAX_TEXT:
        raise ValidationError(_("核查意见不超过 2000 字。"))
    before = audit.snapshot(commitment, ["fulfilment_state", "fulfilment_note"])
    commitment.fulfilment_state = (
        Commitment.Fulfilment.CHECKED if accept else Commitment.Fulfilment.RETURNED
    )
    commitment.fulfilment_note = note
    commitment.fulfilment_checked_at = timezone.now()
    commitment.save()
    audit.record(
        actor=actor,
        action="commitment.fulfilment_check",
        obj=commitment,
        before=before,
        after=audit.snapshot(commitment, ["fulfilment_state", "fulfilment_note"]),
    )
    return commitment


def year_of(today: dt.date | None = None) -> int:
    return (today or timezone.localdate()).year
