"""This year's commitments (廉政承诺) in the first demo hospital, through the module's services.

- The integrity office generated every staff member's personal commitment at once (the bulk
  writer the job runs), from their filed risk points and measures.
- In 心内科 (the staff and dept_head logins' department) a few physicians have accounts
  (created by the administrator) and went through the chain: submitted, reviewed by the
  leader in charge (one returned once first), signed with their password. The staff login's
  own is signed; one physician's waits in the leader's queue; the department's commitment is
  signed by its head and published internally.
- Two physicians who signed then changed post (the roster's post history): their signed
  commitments are stale, and once their new post's time to sign is over, the warning check
  raises 廉政承诺逾期未签署 for them.

The small second unit (示例市妇幼保健院, `load_unit_commitments`) is further on: its
administrator gave everyone an account (the bulk accounts and their hand-over list), its
integrity office generated everyone's commitment but a few people's (the warning check raises
廉政承诺逾期未签署 for those; one generated and in progress is on the overview, not a
warning), each department's was signed by its head, a dozen people have signed theirs
(submitted, approved by the office, since the unit gives its leaders no 领导 role, and
signed), a few are submitted and waiting for the office, and the rest are still to be
written. Each signature keeps the signed .docx and PDF, about a third of a second: signing
all hundred would add half a minute to every demo load. The accounts' initial passwords are
hashed at Argon2's lowest cost (`cheap_passwords`): nobody was handed them, a first sign-in
must change them (and then hashes at the platform's cost), and a hundred accounts at the full
cost would add a minute.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from lianfang.accounts import services as account_services
from lianfang.accounts.models import User
from lianfang.commitments import services
from lianfang.commitments.models import Commitment
from lianfang.org import person_services
from lianfang.org.models import Department, Organisation, Person, Post

from .generator import REFERENCE_DATE

PHYSICIANS = 6  # 心内科 physicians given accounts to sign
MOVED = 2  # of them, moved to another post after signing
UNIT_MISSING = 3  # the small unit's people whose commitment was never generated
UNIT_WAITING = 4  # the small unit's commitments submitted and not yet approved
UNIT_SIGNED = 12  # the small unit's people who have signed theirs
# Everyone's commitment is generated; the tests' small demo generates for this many people
# (tests/conftest.py), the full demo for all (None).
GENERATE_PEOPLE: int | None = None


@dataclass
class Loaded:
    generated: int = 0
    signed: int = 0
    stale: int = 0
    waiting: int = 0


def _walk(commitment, *, signer, password, returned=False):
    """Submit, (return once and submit again,) approve, sign."""
    reviewer = User.objects.get(pk=min(services.reviewer_user_ids(commitment)))
    services.commitment_update(
        actor=signer, commitment=commitment, personal="不接受患者及其家属的红包和宴请。"
    )
    services.commitment_submit(actor=signer, commitment=commitment)
    if returned:
        services.commitment_return(
            actor=reviewer, commitment=commitment, reason="补充承诺请结合本岗位的处方权写具体。"
        )
        services.commitment_update(
            actor=signer,
            commitment=commitment,
            personal="不接受患者及其家属的红包和宴请；不为医药代表统方，不开具超常处方。",
        )
        services.commitment_submit(actor=signer, commitment=commitment)
    services.commitment_approve(actor=reviewer, commitment=commitment)
    services.commitment_sign(actor=signer, commitment=commitment, password=password)


def load_commitments(hospital: Organisation, *, password: str) -> Loaded:
    loaded = Loaded()
    year = timezone.localdate().year
    office = User.objects.get(username="integrity")
    admin = User.objects.get(username="admin")
    people = Person.objects.active().filter(organisation=hospital).order_by("pk")
    ids = None
    if GENERATE_PEOPLE is not None:
        ids = list(people.values_list("pk", flat=True)[:GENERATE_PEOPLE])
    cardiology = Department.objects.get(organisation=hospital, code="XNK")
    logins = {u.username: u for u in User.objects.filter(username__in=["staff", "dept_head"])}
    physicians = list(
        people.filter(department=cardiology, user__isnull=True, assignments__end__isnull=True)
        .distinct()
        .order_by("staff_no")[:PHYSICIANS]
    )
    if ids is not None:
        ids += [p.pk for p in physicians] + [u.person.pk for u in logins.values()]
    loaded.generated = services.commitments_generate(
        actor=office, organisation=hospital, year=year, person_ids=ids
    ).created
    # accounts for a few physicians, so they can sign
    signers = []
    for person in physicians:
        user = account_services.user_create(
            actor=admin,
            username=f"xnk{person.staff_no}",
            display_name=person.name,
            password=password,
            organisation=hospital,
            person=person,
        )
        signers.append((person, user))
    mine = Commitment.objects.personal().filter(year=year)
    # the staff login's own, signed after one return
    staff = logins["staff"]
    _walk(mine.get(person=staff.person), signer=staff, password=password, returned=True)
    loaded.signed += 1
    for i, (person, user) in enumerate(signers):
        commitment = mine.get(person=person)
        if i == len(signers) - 1:  # the last waits in the leader's queue
            services.commitment_submit(actor=user, commitment=commitment)
            loaded.waiting += 1
            continue
        _walk(commitment, signer=user, password=password, returned=i == 0)
        loaded.signed += 1
    # the department's, signed by its head and published
    head = logins["dept_head"]
    department = services.department_commitment_generate(
        actor=head, department=cardiology, year=year
    )
    _walk(department, signer=head, password=password)
    services.commitment_publish(actor=office, commitment=department)
    loaded.signed += 1
    # two signers moved to another post of the department 60 days ago: stale
    other_posts = list(Post.objects.filter(department=cardiology).order_by("pk"))
    # (not after the demo's reference date, as the rest of its post history)
    moved_on = min(timezone.localdate() - dt.timedelta(days=60), REFERENCE_DATE)
    for person, _user in signers[:MOVED]:
        current = person.assignments.filter(end__isnull=True)
        held = set(current.values_list("post_id", flat=True))
        post = next((p for p in other_posts if p.pk not in held), None)
        if post is None or any(a.start >= moved_on for a in current):
            continue
        person_services.post_assign(
            actor=admin, person=person, post=post, start=moved_on, note="岗位调整"
        )
        loaded.stale += 1
    return loaded


@contextmanager
def cheap_passwords():
    """Hash (and check) the passwords made inside at Argon2's lowest cost (the module's
    docstring says why); a sign-in later rehashes at the platform's cost."""
    hashers = ["lianfang.demo.complaints._CheapArgon2", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


def load_unit_commitments(unit: Organisation, *, office: User) -> Loaded:
    """The small unit's commitments of this year, under way (the module's docstring)."""
    loaded = Loaded()
    year = timezone.localdate().year
    admin = User.objects.get(username="admin")
    people = list(Person.objects.active().filter(organisation=unit, user__isnull=True))
    with cheap_passwords():
        created = account_services.accounts_bulk_create(
            actor=admin, people=people, title="全员账号"
        )
        passwords = {}
        if created.handover is not None:
            rows = account_services.handover_rows(user=admin, sheet=created.handover)
            passwords = {row["username"]: row["password"] for row in rows}
        everyone = list(
            Person.objects.active()
            .filter(organisation=unit, user__isnull=False)
            .select_related("user")
            .order_by("staff_no", "pk")
        )
        missing = {p.pk for p in everyone[-UNIT_MISSING:]}
        loaded.generated = services.commitments_generate(
            actor=office,
            organisation=unit,
            year=year,
            person_ids=[p.pk for p in everyone if p.pk not in missing],
        ).created
        mine = {
            c.person_id: c
            for c in Commitment.objects.personal().filter(organisation=unit, year=year)
        }
        signing = [p for p in everyone if p.pk in mine and p.user.username in passwords]
        for i, person in enumerate(signing[: UNIT_SIGNED + UNIT_WAITING]):
            commitment, user = mine[person.pk], person.user
            if i >= UNIT_SIGNED:  # the next few wait for the office
                services.commitment_submit(actor=user, commitment=commitment)
                loaded.waiting += 1
                continue
            _walk(commitment, signer=user, password=passwords[user.username])
            loaded.signed += 1
        heads = {p.pk: p.user for p in everyone}
        for department in Department.objects.filter(
            organisation=unit, active=True, head__isnull=False
        ).order_by("pk"):
            head = heads.get(department.head_id)
            if head is None or head.username not in passwords:
                continue
            commitment = services.department_commitment_generate(
                actor=office, department=department, year=year
            )
            _walk(commitment, signer=head, password=passwords[head.username])
            loaded.signed += 1
    return loaded
