"""Every audit event belongs somewhere, and the audit pages show it to the integrity offices
over that place only.

An event belongs to the organisation of what it is about (a department, an organisation
node, an organisation's module setting, the person of a positioning table) or, when it is
about none (an export of the actor's view of the register), to the organisation the actor
acts for. An event with neither is a platform event (the platform administrator's module
switches and columns): only superusers holding the integrity role (platform auditors) see it,
except the platform-wide module switches, which apply to every organisation: every audit
reader (the integrity office, the audit reviewer) sees those.

Each kind of event is made through the code that makes it in use; then every role opens the
audit list and every event's page.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from lianfang.accounts.models import User
from lianfang.core import audit, jobs, services
from lianfang.core.models import AuditEvent, Column, Module
from lianfang.core.roles import Role
from lianfang.core.scoping import acting_organisation
from lianfang.risks import jobs as risk_jobs
from tests.factories import make_org, make_user
from tests.risks.register_data import build_register

LIST = reverse("core:audit_list")


def detail(event):
    return reverse("core:audit_detail", args=[event.pk])


def export_by(user, query=None) -> AuditEvent:
    """The user asks for the register as Excel on the register page; it becomes a job."""
    client = Client()
    client.force_login(user)
    response = client.get(reverse("risks:register_xlsx"), query or {})
    assert response.status_code == 302, user
    return AuditEvent.objects.filter(action="job.enqueue").latest("seq")


def record(actor, action, obj):
    with transaction.atomic():
        return audit.record(actor=actor, action=action, obj=obj, after={"by": "test"})


@pytest.fixture
def people(world):
    users = dict(world.users)
    users["other_integrity"] = make_user("other_integrity", (Role.INTEGRITY, world.other_hospital))
    users["auditor"] = make_user("auditor", (Role.INTEGRITY, world.hospital))
    # 安全审计员: reads the hospital's log like its integrity office
    users["reviewer"] = make_user("reviewer", (Role.AUDITOR, world.hospital))
    users["root"] = make_user("root")  # `createsuperuser`: no organisation, no role
    User.objects.filter(username__in=["auditor", "root"]).update(is_superuser=True)
    for key in ("auditor", "root"):
        users[key].refresh_from_db()
    return users


@pytest.fixture
def events(world, people, settings):
    """One event of each kind, made the way the platform makes it."""
    build_register(world)
    settings.LIANFANG_EXPORT_INLINE_ROWS = 0  # every export is a background job
    module = Module.objects.create(code="scope", name="范围模块", order=98)
    column = Column.objects.create(module=module, code="scope", title="范围栏目")
    made = {
        # about an object of the hospital, and of the other hospital
        "department": record(people["admin"], "department.update", world.cardiology),
        "other_department": record(people["outsider"], "department.update", world.surgery_b),
        # about an organisation node itself
        "commission_node": record(
            people["commission_integrity"], "organisation.update", world.commission
        ),
        # exports of one's own view: the actor's organisation
        "staff_export": export_by(people["staff"], {"level": "1"}),
        "outsider_export": export_by(people["outsider"]),
        "commission_export": export_by(people["commission_integrity"]),
        # a job about a person of the other hospital, asked by the commission: that hospital
        "other_positioning": jobs.enqueue(
            risk_jobs.POSITIONING_PDF,
            actor=people["commission_integrity"],
            organisation=world.other_hospital,
            params={"person": world.other_person.pk},
        ),
        # the hospital's own module setting, by its administrator: the hospital
        "module_setting": services.module_settings_set(
            actor=people["admin"], organisation=world.hospital, choices={module: False}
        ),
        # platform settings, the platform administrator's (a superuser tied to no
        # organisation): platform events
        "module_switch": services.module_set_enabled(
            actor=people["root"], module=module, enabled=False
        ),
        "column_edit": services.column_update(
            actor=people["root"], column=column, data={"title": "范围栏目（修订）"}
        ),
    }
    # jobs.enqueue and the services return the job, module and column: take their events
    for key, action in [
        ("other_positioning", "job.enqueue"),
        ("module_setting", "module_setting.disable"),
        ("module_switch", "module.disable"),
        ("column_edit", "column.update"),
    ]:
        made[key] = AuditEvent.objects.filter(action=action).latest("seq")
    services.module_set_enabled(actor=people["root"], module=module, enabled=True)
    made["platform"] = AuditEvent.objects.filter(action="module.enable").latest("seq")
    return made


HOSPITAL = {"department", "staff_export", "module_setting"}
OTHER_HOSPITAL = {"other_department", "outsider_export", "other_positioning"}
COMMISSION = {"commission_node", "commission_export"}
PLATFORM = {"module_switch", "column_edit", "platform"}
PLATFORM_WIDE = {"module_switch", "platform"}  # a module switched for every organisation
EVERY = HOSPITAL | OTHER_HOSPITAL | COMMISSION | PLATFORM

# Who sees which events on the audit list and pages; anybody else gets 403 (or, anonymous,
# the sign-in page).
SEES = {
    "integrity": HOSPITAL | PLATFORM_WIDE,
    "reviewer": HOSPITAL | PLATFORM_WIDE,
    "other_integrity": OTHER_HOSPITAL | PLATFORM_WIDE,
    "commission_integrity": HOSPITAL | OTHER_HOSPITAL | COMMISSION | PLATFORM_WIDE,
    "auditor": EVERY,  # a superuser with the integrity role: the platform auditor
}
REFUSED = ["admin", "leader", "dept_head", "staff", "outsider", "nobody", "root"]


def test_every_event_is_placed_where_it_belongs(world, events):
    place = {key: event.organisation_path for key, event in events.items()}
    hospital, other, commission = (
        world.hospital.path,
        world.other_hospital.path,
        world.commission.path,
    )
    assert place == {
        **dict.fromkeys(HOSPITAL, hospital),
        **dict.fromkeys(OTHER_HOSPITAL, other),
        **dict.fromkeys(COMMISSION, commission),
        **dict.fromkeys(PLATFORM, ""),
    }
    assert {events[key].organisation_id for key in PLATFORM} == {None}
    # what the export event records: what the export was asked with
    assert events["staff_export"].after["params"]["query"] == "level=1"
    assert audit.verify().ok


@pytest.mark.parametrize("role", sorted(SEES))
def test_the_audit_list_and_pages_show_a_role_its_events_only(world, people, events, role):
    client = Client()
    client.force_login(people[role])
    response = client.get(LIST, {"per_page": 100})
    assert response.status_code == 200
    listed = {e.pk for e in response.context["table"].rows}
    named = {key for key, event in events.items() if event.pk in listed}
    assert named == SEES[role]
    page = response.content.decode()
    for key, event in events.items():
        inside = key in SEES[role]
        assert (detail(event) in page) is inside, (role, key)
        status = client.get(detail(event)).status_code
        assert status == (200 if inside else 404), (role, key, status)


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_and_a_superuser_without_the_integrity_role_are_refused(people, events, role):
    client = Client()
    client.force_login(people[role])
    assert client.get(LIST).status_code == 403
    for key, event in events.items():
        assert client.get(detail(event)).status_code == 403, (role, key)


def test_anonymous_is_sent_to_sign_in(events):
    client = Client()
    for url in [LIST, *(detail(e) for e in events.values())]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_filters_offer_only_what_the_role_sees(people, events):
    client = Client()
    client.force_login(people["integrity"])
    form = client.get(LIST).context["form"]
    actions = {value for value, _label in form.fields["action"].choices}
    assert actions == {
        "",
        "department.update",
        "job.enqueue",
        "module_setting.disable",
        "module.disable",
        "module.enable",
    }
    client.force_login(people["commission_integrity"])
    form = client.get(LIST).context["form"]
    actions = {value for value, _label in form.fields["action"].choices}
    assert "column.update" not in actions  # a platform event of the platform's own


# The organisation an actor acts for ---------------------------------------------------------


def test_one_grant_its_organisation(world):
    assert acting_organisation(world.users["staff"]) == world.hospital
    assert acting_organisation(world.users["commission_integrity"]) == world.commission


def test_grants_on_two_hospitals_the_commission_over_both(world):
    user = make_user("two", (Role.INTEGRITY, world.hospital), (Role.STAFF, world.other_hospital))
    assert acting_organisation(user) == world.commission
    assert acting_organisation(user, roles=(Role.INTEGRITY,)) == world.hospital


def test_grants_in_separate_trees_or_none_at_all_no_organisation(world):
    elsewhere = make_org("另一卫健委", "WJW2")
    split = make_user("split", (Role.STAFF, world.hospital), (Role.STAFF, elsewhere))
    assert acting_organisation(split) is None
    assert acting_organisation(world.users["nobody"]) is None
    assert acting_organisation(None) is None


def test_without_grants_the_accounts_own_node(world):
    user = make_user("node_only")
    User.objects.filter(pk=user.pk).update(organisation=world.other_hospital)
    user.refresh_from_db()
    assert acting_organisation(user) == world.other_hospital
    # grants of other roles than the ones asked for: the account's own node too
    assert acting_organisation(world.users["staff"], roles=(Role.ADMIN,)) is None
