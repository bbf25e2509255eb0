"""The demo's assessments: all three conclusions, one rectification accepted (its measure in
the register), one escalated after two failures with a second notice."""

import pytest

from lianfang.assessments.models import Assessment, AssessmentEvent
from lianfang.core.models import WarningLevel
from lianfang.demo.assessments import load_assessments
from lianfang.risks.models import Measure
from tests.assessments.helpers import calendar_known, overdue_measure  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_known")]


def test_the_demo_assesses_at_every_level(world):
    _point, measure = overdue_measure(world, person=world.colleague_person)
    users = world.users
    done = load_assessments(
        world.hospital, office=users["integrity"], staff=users["staff"], head=users["dept_head"]
    )
    assert (done.issued, done.accepted, done.escalated, done.cards) == (3, 1, 1, 1)
    levels = sorted(Assessment.objects.values_list("level", flat=True))
    assert levels == [WarningLevel.WARNING, WarningLevel.WARNING, WarningLevel.CARD]
    accepted = Assessment.objects.get(status=Assessment.Status.ACCEPTED)
    assert accepted.person == world.staff_person
    rows = accepted.rectifications.get().measures.all()
    assert all(Measure.objects.filter(pk=row.register_measure_id).exists() for row in rows)
    escalated = Assessment.objects.get(department=world.cardiology)
    assert escalated.initial_level == WarningLevel.NOTICE
    assert escalated.notices.count() == 2
    assert escalated.events.filter(type=AssessmentEvent.Type.ESCALATED).count() == 1
    card = Assessment.objects.get(level=WarningLevel.CARD)
    assert card.person == world.colleague_person  # the owner of the overdue measure
    assert card.evidence.filter(measure=measure).exists()
