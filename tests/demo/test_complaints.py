import pytest
from django.core.management import call_command
from django.urls import reverse

from lianfang.accounts.models import User
from lianfang.complaints import selectors, services
from lianfang.complaints.models import (
    Assignment,
    Complaint,
    Event,
    IdentityRequest,
    Message,
    State,
)
from lianfang.complaints.recusal import recused_user_ids
from lianfang.core import workdays
from lianfang.demo import complaints as demo_complaints
from lianfang.demo import services as demo_services
from lianfang.org.models import Organisation, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setattr(demo_complaints, "COMPLAINTS", 160)
    results = []

    def load(*args, **kwargs):
        results.append(demo_complaints.load_complaints(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(demo_services, "load_complaints", load)
    call_command("demo", "--seed", "2", stdout=None)
    hospital = Organisation.objects.get(code="SL-H01")
    hospital.loaded = results[0]
    return hospital


def _every_state_some_overdue_and_escalated(demo):
    complaints = Complaint.objects.filter(organisation=demo)
    assert complaints.count() == 160
    assert set(complaints.values_list("state", flat=True)) == set(State.values)
    received = sorted(complaints.values_list("received_on", flat=True))
    assert (received[-1] - received[0]).days > 300
    today = workdays.today()
    overdue = complaints.filter(state__in=State.OPEN, due_on__lt=today)
    assert overdue.exists()
    # the morning's run escalated them (demo_load calls the reminders)
    assert not overdue.filter(escalated_on__isnull=True).exists()
    assert Event.objects.filter(type="escalated").count() >= overdue.count()
    # every step went through the services: a history event per state reached
    archived = complaints.filter(state=State.ARCHIVED).first()
    assert set(archived.events.values_list("type", flat=True)) >= {"filed", "archive"}
    assert complaints.filter(anonymous=True).exists() and complaints.filter(anonymous=False)


def _anonymous_exchanges_with_the_receipt(demo):
    replied = Complaint.objects.filter(
        organisation=demo, anonymous=True, messages__author=Message.Author.REPORTER
    ).distinct()
    assert replied.count() >= 3
    for complaint in replied:
        authors = list(complaint.messages.values_list("author", flat=True))
        assert Message.Author.OFFICE in authors
    # a receipt the demo printed opens its report, and only that one
    codes = demo.loaded.receipts
    assert len(codes) == demo_complaints.KEPT_RECEIPTS
    opened = [services.complaint_by_receipt(code) for code in codes]
    assert all(c is not None and c.anonymous and c.state in State.OPEN for c in opened)
    assert len({c.pk for c in opened}) == len(codes)


def _recusal_for_the_reports_about_the_staff_doctor(demo):
    staff_person = Person.objects.get(user__username="staff")
    about = Complaint.objects.filter(subject_person=staff_person)
    assert about.count() == demo_complaints.ABOUT_STAFF
    dept_head = User.objects.get(username="dept_head")
    leader = User.objects.get(username="leader")
    for complaint in about:
        assert {dept_head.pk, leader.pk} <= recused_user_ids(complaint)
        assert not Assignment.objects.filter(
            complaint=complaint, handler__in=(dept_head, leader)
        ).exists()
        assignable = set(services.assignable_handlers(complaint).values_list("pk", flat=True))
        assert dept_head.pk not in assignable and leader.pk not in assignable
    assert not selectors.visible_to(dept_head).filter(subject_person=staff_person).exists()
    assert not selectors.visible_to(leader).filter(subject_person=staff_person).exists()


def _logins_find_something(demo, client):
    integrity = User.objects.get(username="integrity")
    for username in ("integrity", "leader", "dept_head"):
        user = User.objects.get(username=username)
        assert selectors.visible_to(user).exists(), username
    client.force_login(integrity)
    page = client.get(reverse("complaints:list"))
    assert page.status_code == 200 and "TS" in page.content.decode()
    assert client.get(reverse("complaints:statistics")).status_code == 200
    custodian = User.objects.get(username="wjw")
    requests = selectors.identity_requests_for_custodian(user=custodian)
    assert requests.filter(decision=IdentityRequest.Decision.PENDING).exists()
    assert requests.exclude(decision=IdentityRequest.Decision.PENDING).exists()
    client.force_login(custodian)
    page = client.get(reverse("complaints:identity_requests"))
    assert page.status_code == 200 and "TS" in page.content.decode()
    # the department page: counts for the office, the recusal note for the leader in charge
    cardiology = Person.objects.get(user__username="staff").department
    client.force_login(integrity)
    page = client.get(reverse("org:department_detail", args=[cardiology.pk])).content.decode()
    assert 'data-testid="department-complaints-total"' in page
    client.force_login(User.objects.get(username="leader"))
    page = client.get(reverse("org:department_detail", args=[cardiology.pk])).content.decode()
    assert 'data-testid="department-complaints-recused"' in page


def test_the_demo_complaints(demo, client):
    """One load of the demo (it is slow), four things to see in it."""
    _every_state_some_overdue_and_escalated(demo)
    _anonymous_exchanges_with_the_receipt(demo)
    _recusal_for_the_reports_about_the_staff_doctor(demo)
    _logins_find_something(demo, client)
