"""Recusal (回避): the person complained about, their department head, the 分管 leader and the
people the reporter listed never see, get or hear of the report; nor does any platform role
that is not assigned. Every way in: list, detail, files, actions, assignment options,
notifications, the due page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.complaints import services
from lianfang.complaints.recusal import recused_user_ids
from lianfang.complaints.selectors import visible_to
from lianfang.core.models import Notification
from lianfang.core.roles import Role
from tests.factories import make_user

from .conftest import pdf_upload


@pytest.fixture
def case(office):
    complaint, _code = office.file(excluded=[office.handler2_person], uploads=[pdf_upload("x")])
    return complaint


def recused(office):
    w = office.world.users
    return {
        "subject": w["staff"],  # 张医生
        "head": w["dept_head"],  # 李主任, head of cardiology
        "in_charge": w["leader"],  # 王副院长, 分管 cardiology
        "listed": office.handler2,  # named by the reporter
    }


def test_the_recused_are_computed_from_the_org_model(office, case):
    assert recused_user_ids(case) == {u.pk for u in recused(office).values()}


def test_assignment_options_leave_the_recused_out_and_the_service_refuses_them(office, case):
    options = set(services.assignable_handlers(case))
    assert office.handler in options
    for user in recused(office).values():
        assert user not in options
        with pytest.raises(ValidationError):
            services.complaint_assign(actor=office.lead, complaint=case, handler=user)


def test_the_assignment_form_offers_none_of_them(login, office, case):
    page = login(office.lead).get(reverse("complaints:detail", args=[case.pk]))
    form = page.context["assign_form"]
    offered = set(form.fields["handler"].queryset)
    assert office.handler in offered
    assert not offered & set(recused(office).values())


@pytest.mark.parametrize("who", ["subject", "head", "in_charge", "listed"])
def test_the_recused_reach_it_by_no_page(login, office, case, who):
    user = recused(office)[who]
    # Even if a lead had assigned them before the org changed (written straight to the table).
    from lianfang.complaints.models import Assignment

    Assignment.objects.create(complaint=case, handler=user, assigned_by=office.lead)
    client = login(user)
    assert case not in visible_to(user)
    listing = client.get(reverse("complaints:list")).content.decode()
    assert case.reference not in listing
    assert case.reference not in client.get(reverse("complaints:due")).content.decode()
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code == 404
    file = case.files.get()
    url = reverse("complaints:file_download", args=[case.pk, file.pk])
    assert client.get(url).status_code == 404
    note = client.post(reverse("complaints:act", args=[case.pk, "note"]), {"body": "x"})
    assert note.status_code == 404
    with pytest.raises(PermissionDenied):
        services.note_add(actor=user, complaint=case, body="x")


def test_the_recused_are_never_notified(office, case):
    services.complaint_accept(actor=office.lead, complaint=case)
    services.complaint_assign(actor=office.lead, complaint=case, handler=office.handler)
    services._notify(case, {u.pk for u in recused(office).values()}, kind="complaints.assigned")
    services.complaint_reporter_reply(complaint=case, body="补充")
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert office.handler.pk in notified
    assert not notified & {u.pk for u in recused(office).values()}


def test_a_change_of_post_is_seen_at_the_next_read(office, case):
    services.complaint_accept(actor=office.lead, complaint=case)
    services.complaint_assign(actor=office.lead, complaint=case, handler=office.handler)
    assert case in visible_to(office.handler)
    cardiology = office.world.cardiology
    cardiology.head = office.handler_person  # the handler becomes head of cardiology
    cardiology.save(update_fields=["head"])
    assert case not in visible_to(office.handler)
    assert office.handler not in set(services.assignable_handlers(case))
    cardiology.head = office.world.head_person
    cardiology.save(update_fields=["head"])
    assert case in visible_to(office.handler)


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.INTEGRITY, Role.LEADER, Role.SECURITY, Role.AUDITOR]
)
def test_no_platform_role_reads_a_report_unless_assigned(login, office, case, role):
    user = make_user(f"role-{role}", (role, office.world.hospital))
    client = login(user)
    assert case not in visible_to(user)
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code in (403, 404)
    assert case.reference not in client.get(reverse("complaints:list")).content.decode()


def test_the_platform_administrator_reads_nothing(login, office, case, platform_admin):
    client = login(platform_admin)
    assert case not in visible_to(platform_admin)
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code in (403, 404)


def test_a_handler_opens_only_the_reports_assigned_to_them(login, office, case):
    other, _code = office.file(subject_person=None, content="另一份")
    services.complaint_accept(actor=office.lead, complaint=case)
    services.complaint_assign(actor=office.lead, complaint=case, handler=office.handler)
    client = login(office.handler)
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("complaints:detail", args=[other.pk])).status_code == 404
    # Reassigned: the former handler loses it.
    services.complaint_assign(
        actor=office.lead, complaint=case, handler=make_officer(office, "handler3")
    )
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code == 404


def make_officer(office, username):
    from lianfang.complaints.models import Officer

    user = make_user(username, (Role.INTEGRITY, office.world.hospital))
    services.officer_grant(
        actor=office.security, organisation=office.world.hospital, user=user,
        duty=Officer.Duty.HANDLER,
    )  # fmt: skip
    return user
