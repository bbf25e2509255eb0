"""The rotation rule: a key or sensitive post held past its rotation period raises a warning,
which closes once the person moves."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lianfang.core import warnings
from lianfang.core.models import Warning, WarningLevel, WarningStatus
from lianfang.org import warning_rules
from lianfang.org.models import PostAssignment

pytestmark = pytest.mark.django_db

ROTATION = {(warning_rules.SOURCE, warning_rules.ROTATION_OVERDUE)}


def check():
    report, _escalated = warnings.warnings_check(now=timezone.now(), only=ROTATION)
    return report[0]


def test_a_post_held_past_its_rotation_period_raises_a_warning(world):
    # 陈采购 holds 采购员 (key and sensitive, 3 years) since 2015-03-01
    done = check()
    assert (done.holding, len(done.raised.created)) == (1, 1)
    assignment = PostAssignment.objects.get(person=world.procurement_person, end__isnull=True)
    warning = Warning.objects.get(source="org", rule="rotation_overdue")
    assert warning.key == str(assignment.pk)
    assert warning.organisation == world.hospital
    assert warning.level == WarningLevel.WARNING  # years late
    assert warning.owner == world.procurement  # its department has no head
    assert warning.evidence["due"] == "2018-03-01"
    assert "陈采购" in warning.subject and "采购员" in warning.subject
    links = warnings.rule_of(warning).links(warning)
    assert [label for label, _url in links] == ["陈采购", "采购员"]

    # the same again: nothing new
    done = check()
    assert (len(done.raised.created), done.raised.unchanged) == (0, 1)

    # moved off the post: the warning closes
    PostAssignment.objects.filter(pk=assignment.pk).update(end=dt.date.today())
    assert check().resolved == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED


def test_the_command_runs_the_checkers(world):
    out = StringIO()
    call_command("warnings", "check", "--rule", "org.rotation_overdue", stdout=out)
    assert "org.rotation_overdue: 1 holding, 1 raised, 0 reopened" in out.getvalue()
    assert "0 escalated" in out.getvalue()
    assert Warning.objects.filter(rule="rotation_overdue").count() == 1
    with pytest.raises(CommandError, match="unknown rule"):
        call_command("warnings", "check", "--rule", "org.nonsense")
