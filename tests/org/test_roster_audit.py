"""Exporting the roster (personal data) is an audit event."""

from django.urls import reverse

from lianfang.core.models import AuditEvent
from lianfang.org import roster
from lianfang.org.models import Person


def test_roster_export_is_audited_without_the_people(world):
    officer = world.users["integrity"]
    people = Person.objects.filter(organisation=world.hospital)
    content = roster.roster_export(actor=officer, people=people, filters={"q": "医生"})
    assert content.startswith(b"PK")  # an .xlsx
    event = AuditEvent.objects.get(action="org.roster.export")
    assert event.actor_id == officer.pk
    assert event.after == {"rows": people.count(), "filters": {"q": "医生"}}
    assert event.organisation_id == world.hospital.pk  # the officer's: on their audit page
    names = set(people.values_list("name", flat=True))
    assert names and not any(name in str(event.after) for name in names)


def test_a_filtered_export_is_recorded_on_the_filtered_organisation(world):
    officer = world.users["commission_integrity"]
    people = Person.objects.filter(organisation=world.other_hospital)
    roster.roster_export(
        actor=officer, people=people, filters={"organisation": world.other_hospital}
    )
    event = AuditEvent.objects.get(action="org.roster.export")
    assert event.organisation_id == world.other_hospital.pk
    assert event.after["filters"] == {"organisation": world.other_hospital.pk}


def test_the_roster_page_export_is_audited(world, login):
    response = login(world.users["integrity"]).get(reverse("org:roster_export"))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="org.roster.export").count() == 1
