"""Small builders for tests: an organisation tree with one user per role."""

import datetime as dt
import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from lianfang.accounts.models import RoleGrant, User
from lianfang.core.roles import Role
from lianfang.org.models import (
    Department,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
)

PASSWORD = "Lianfang-test-2026!"


def make_org(name, code, parent=None, kind=Organisation.Kind.HOSPITAL):
    org = Organisation.objects.create(name=name, code=code, parent=parent, kind=kind)
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    return org


def make_department(org, name, code, kind=Department.Kind.CLINICAL):
    return Department.objects.create(organisation=org, name=name, code=code, kind=kind)


def make_person(org, dept, staff_no, name, post=None, start=dt.date(2020, 1, 1), user=None):
    person = Person.objects.create(
        organisation=org, department=dept, staff_no=staff_no, name=name, user=user
    )
    if post is not None:
        PostAssignment.objects.create(person=person, post=post, start=start)
    return person


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once per run: argon2 is deliberately slow, and worlds have many users."""
    return make_password(PASSWORD)


def make_user(username, *grants, person=None):
    """grants: (role, organisation[, department]) tuples."""
    user = User.objects.create(username=username, password=password_hash(), display_name=username)
    for grant in grants:
        role, org, *rest = grant
        RoleGrant.objects.create(
            user=user, role=role, organisation=org, department=rest[0] if rest else None
        )
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    return user


def writes_below(user):
    """Make `user`'s grants write the units below their nodes too (下级单位可写): without it a
    grant writes its own node and reads the units below (core.scoping.write_reach)."""
    RoleGrant.objects.filter(user=user).update(subordinates_writable=True)
    user.__dict__.pop("active_grants", None)
    user.__dict__.pop("_lianfang_scope", None)
    return user


def make_platform_admin(username="platform"):
    """The platform administrator: a superuser of no organisation, holding no role on a node."""
    user = make_user(username)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@dataclass
class World:
    commission: Organisation
    hospital: Organisation
    other_hospital: Organisation
    cardiology: Department
    procurement: Department
    finance: Department
    surgery_b: Department
    leader_person: Person
    head_person: Person
    staff_person: Person
    colleague_person: Person
    procurement_person: Person
    other_person: Person
    users: dict


def build_world() -> World:
    commission = make_org("示例市卫生健康委员会", "WJW", kind=Organisation.Kind.AUTHORITY)
    hospital = make_org("示例市人民医院", "H1", commission)
    other = make_org("示例市第二医院", "H2", commission)
    cardiology = make_department(hospital, "心内科", "XNK")
    procurement = make_department(hospital, "采购中心", "CGZX", Department.Kind.ADMINISTRATIVE)
    finance = make_department(hospital, "财务科", "CWK", Department.Kind.ADMINISTRATIVE)
    surgery_b = make_department(other, "普外科", "PWK")
    leader_post = Post.objects.create(
        organisation=hospital, name="副院长", code="P-FYZ", is_key=True, is_leadership=True
    )
    head_post = Post.objects.create(
        organisation=hospital, department=cardiology, name="科主任", code="P-KZR", is_key=True
    )
    doctor_post = Post.objects.create(
        organisation=hospital, department=cardiology, name="主治医师", code="P-ZZYS"
    )
    buyer_post = Post.objects.create(
        organisation=hospital,
        department=procurement,
        name="采购员",
        code="P-CGY",
        is_key=True,
        is_sensitive=True,
        rotation_years=3,
    )
    other_post = Post.objects.create(
        organisation=other, department=surgery_b, name="医师", code="P-YS"
    )
    leader_person = make_person(hospital, None, "0001", "王副院长", leader_post)
    head_person = make_person(hospital, cardiology, "0101", "李主任", head_post)
    staff_person = make_person(hospital, cardiology, "0102", "张医生", doctor_post)
    colleague = make_person(hospital, cardiology, "0103", "赵医生", doctor_post)
    buyer = make_person(hospital, procurement, "0201", "陈采购", buyer_post, dt.date(2015, 3, 1))
    other_person = make_person(other, surgery_b, "9001", "外院医生", other_post)
    for dept in (procurement, finance):
        LeaderDivision.objects.create(
            leader=leader_person,
            department=dept,
            since=dt.date(2022, 1, 1),
            duties="分管采购与财务",
        )
    cardiology.head = head_person
    cardiology.save(update_fields=["head"])
    users = {
        "admin": make_user("admin", (Role.ADMIN, hospital)),
        "integrity": make_user("integrity", (Role.INTEGRITY, hospital)),
        "commission_integrity": make_user("wjw_integrity", (Role.INTEGRITY, commission)),
        "leader": make_user(
            "leader", (Role.LEADER, hospital), (Role.STAFF, hospital), person=leader_person
        ),
        "dept_head": make_user(
            "dept_head",
            (Role.DEPT_HEAD, hospital, cardiology),
            (Role.STAFF, hospital),
            person=head_person,
        ),
        "staff": make_user("staff", (Role.STAFF, hospital), person=staff_person),
        "outsider": make_user("outsider", (Role.STAFF, other), person=other_person),
        "nobody": make_user("nobody"),
    }
    return World(
        commission,
        hospital,
        other,
        cardiology,
        procurement,
        finance,
        surgery_b,
        leader_person,
        head_person,
        staff_person,
        colleague,
        buyer,
        other_person,
        users,
    )


def make_attachment(target, use, name, content=b"%PDF-1.4\n%%EOF\n"):
    """A file kept for `target` (straight to the store and the table: no checks, no audit
    event, like the other builders here)."""
    import hashlib
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile

    from lianfang.core.attachments import detect_type, store
    from lianfang.core.models import Attachment

    path = store.storage.save(f"test/{uuid.uuid4().hex}.bin", ContentFile(content))
    return Attachment.objects.create(
        use=use,
        content_type=ContentType.objects.get_for_model(type(target)),
        object_id=target.pk,
        organisation=getattr(target, "organisation", None),
        name=name,
        mime_type=detect_type(content) or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        path=path,
    )
