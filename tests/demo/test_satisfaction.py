import datetime as dt

import pytest

from lianfang.demo import satisfaction as demo
from lianfang.satisfaction import selectors, warning_rules
from lianfang.satisfaction.models import Answer, Token

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 7)


def test_the_demo_answers_are_spread_tokened_and_one_department_is_stuffed(world, monkeypatch):
    monkeypatch.setattr(demo, "ANSWERS", 1200)
    result = demo.load_satisfaction(world.hospital, seed=1, actor="lianfang demo", today=TODAY)
    assert result.answers == Answer.objects.count() == 1200
    assert 0.5 < result.tokened / result.answers < 0.7
    assert Token.objects.filter(used_at__isnull=False).count() == result.tokened
    stuffed = Answer.objects.filter(department__name=result.stuffed_department, flagged=True)
    assert stuffed.filter(burst=True, identical=True, off_hours=True).count() == demo.STUFFED
    # nothing else is flagged: the honest answers come in opening hours, spread out
    assert Answer.objects.filter(flagged=True).count() == demo.STUFFED
    months = {a.submitted_at.astimezone().strftime("%Y-%m") for a in Answer.objects.all()}
    assert len(months) >= 12
    assert selectors.keywords(
        list(Answer.objects.exclude(comment="").values_list("comment", flat=True))
    )


def test_the_low_department_raises_its_warning(world, monkeypatch):
    monkeypatch.setattr(demo, "ANSWERS", 3000)
    result = demo.load_satisfaction(world.hospital, seed=1, actor="lianfang demo", today=TODAY)
    conditions = warning_rules.low_score_conditions(TODAY)
    assert [c.evidence["department"][1] for c in conditions] == [result.low_department]
