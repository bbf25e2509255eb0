"""A campaign's deadlines: reminders before a phase ends and escalation after
(`deadlines_run`, daily on the shared schedule: `campaigns/tasks.py`).

- Before: `REMIND_DAYS` days before the filing phase (评估定级与备案) of an open campaign ends,
  each person whose task is not filed is told (once per task and end date).
- After: the day after it ended, each department with late tasks has its head and the
  integrity office told (once per department and end date); the warning rule
  `campaigns.filing_late` (warning_rules.py) then keeps the condition in the warning centre,
  where it escalates one level past its time limit like every warning.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.core import notifications
from lianfang.core.chunks import chunks
from lianfang.core.roles import Role

from .models import Campaign, CampaignTask, Phase

REMIND_DAYS = 3

PHASE_ENDING = notifications.declare(
    notifications.Kind(
        code="campaigns.phase_ending",
        label=_("风险排查填报即将截止"),
        subject=_("%(campaign)s：%(phase)s将于 %(end)s 截止"),
        template="campaigns/notifications/phase_ending.txt",
        email=True,
        order=40,
    )
)
LATE = notifications.declare(
    notifications.Kind(
        code="campaigns.late",
        label=_("风险排查逾期未备案"),
        subject=_("%(campaign)s：%(department)s有 %(count)s 项逾期未备案"),
        template="campaigns/notifications/late.txt",
        email=True,
        order=41,
    )
)


def _open_filing_phases(today: dt.date):
    for campaign in Campaign.objects.filter(state=Campaign.State.OPEN).select_related(
        "organisation"
    ):
        phase = campaign.phases.filter(phase=Phase.FILE).first()
        if phase is not None:
            yield campaign, phase


def remind_before(today: dt.date) -> int:
    sent = 0
    for campaign, phase in _open_filing_phases(today):
        if not (phase.end - dt.timedelta(days=REMIND_DAYS) <= today <= phase.end):
            continue
        waiting = CampaignTask.objects.filter(
            campaign=campaign,
            kind=CampaignTask.Kind.PERSON,
            person__user__isnull=False,
        ).exclude(status=CampaignTask.Status.FILED)
        link = reverse("campaigns:mine")
        for chunk in chunks(waiting, size=500):
            for task in chunk.select_related("person"):
                sent += len(
                    notifications.notify(
                        PHASE_ENDING,
                        recipients=[task.person.user_id],
                        context={
                            "campaign": campaign.name,
                            "phase": str(Phase.FILE.label),
                            "end": phase.end.isoformat(),
                            "status": task.get_status_display(),
                        },
                        link=link,
                        organisation=campaign.organisation,
                        key=f"campaign:{task.pk}:ending:{phase.end.isoformat()}",
                    )
                )
    return sent


def escalate_after(today: dt.date) -> int:
    from django.db.models import Count

    sent = 0
    for campaign, phase in _open_filing_phases(today):
        if today <= phase.end:
            continue
        late = (
            CampaignTask.objects.filter(campaign=campaign, department__isnull=False)
            .exclude(status=CampaignTask.Status.FILED)
            .values("department_id", "department__name")
            .annotate(n=Count("pk"))
            .order_by("department_id")
        )
        link = reverse("campaigns:detail", args=[campaign.pk])
        for row in late:
            recipients = [
                notifications.RoleOn(Role.DEPT_HEAD, campaign.organisation, row["department_id"]),
                notifications.RoleOn(Role.INTEGRITY, campaign.organisation),
            ]
            sent += len(
                notifications.notify(
                    LATE,
                    recipients=recipients,
                    context={
                        "campaign": campaign.name,
                        "department": row["department__name"],
                        "count": row["n"],
                        "end": phase.end.isoformat(),
                    },
                    link=f"{reverse('campaigns:tasks', args=[campaign.pk])}"
                    f"?department={row['department_id']}&late=1",
                    organisation=campaign.organisation,
                    key=f"campaign:{campaign.pk}:late:{row['department_id']}:{phase.end.isoformat()}",
                )
            )
        del link
    return sent


def deadlines_run(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    return {"reminded": remind_before(today), "escalated": escalate_after(today)}
