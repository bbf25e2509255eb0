"""Shared builders of the satisfaction tests."""

import datetime as dt

from django.utils import timezone

from lianfang.satisfaction import services
from lianfang.satisfaction.questionnaires import questionnaire_import

KEYS = ("explain", "listen", "skill", "privacy", "no-gift", "attitude", "waiting", "guidance")


def questionnaire(org):
    return questionnaire_import(actor=None, organisation=org)[0]


def at(day=dt.date(2026, 10, 12), hour=10, minute=0):
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


def scores(value=5, **overrides):
    out = dict.fromkeys(KEYS, value)
    out.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return out


def rows(dept, q, n, *, start=None, step=dt.timedelta(hours=3), value=4, comment="", person=None):
    start = start or at()
    return [
        services.AnswerRow(
            department=dept,
            questionnaire=q,
            scores=scores(value, waiting=max(1, value - (i % 2))),
            submitted_at=start + i * step,
            comment=comment,
            person=person,
        )
        for i in range(n)
    ]
