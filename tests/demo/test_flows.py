import pytest
from django.core.management import call_command

from lianfang.accounts.models import User
from lianfang.core.attachments import Attachment
from lianfang.core.models import Publication
from lianfang.demo import flows as demo_flows
from lianfang.flows import selectors
from lianfang.flows.models import FlowDefinition, Instance, InstanceEvent, Task
from lianfang.flows.publications import publication_gaps
from lianfang.org.models import Organisation

pytestmark = pytest.mark.django_db


def test_the_demo_runs_flows_in_every_state_with_overdue_escalated_and_gaps(monkeypatch):
    monkeypatch.setattr(demo_flows, "INSTANCES", 120)
    call_command("demo", "--seed", "3", stdout=None)
    hospital = Organisation.objects.get(code="SL-H01")
    assert FlowDefinition.objects.filter(organisation=hospital).count() >= 13
    instances = Instance.objects.filter(organisation=hospital)
    assert set(instances.values_list("state", flat=True)) == set(Instance.State.values)
    # the steps that require documents get them (generated PDFs, through the services), so
    # the matters end as ENDINGS weighs them: rejections about 12%, not a third for want of
    # files
    rejected = instances.filter(state=Instance.State.REJECTED).count()
    assert rejected < 0.25 * instances.count(), rejected
    files = Attachment.objects.filter(use="flow_attachment", mime_type="application/pdf")
    assert files.filter(name="采购合同.pdf").exists() or files.count() > 10
    # spread over the last six months, the oldest well back
    started = sorted(instances.values_list("started_at", flat=True))
    assert (started[-1] - started[0]).days > 120
    ready = Task.objects.filter(organisation=hospital, state=Task.State.READY)
    assert ready.filter(overdue_at__isnull=False).exists()
    assert ready.filter(escalated_at__isnull=False).exists()
    # every step went through the services: each task's arrival is on its timeline
    assert (
        InstanceEvent.objects.filter(kind=InstanceEvent.Kind.ARRIVED).count()
        == Task.objects.count()
    )
    # the logins of the matters' handlers and of an applicant's own step have something to do
    for username in ("staff", "dept_head", "leader", "integrity"):
        user = User.objects.get(username=username)
        assert selectors.my_ready_tasks(user).exists(), username
    # control points published, a few withdrawn by the office: the completeness check sees them
    published = Publication.objects.filter(organisation=hospital, column__code="results")
    assert published.filter(withdrawn_at__isnull=True).count() > 10
    assert published.filter(withdrawn_at__isnull=False).count() == demo_flows.WITHDRAWN_PUBLICATIONS
    gaps = publication_gaps(hospital)
    assert len(gaps) >= demo_flows.WITHDRAWN_PUBLICATIONS


def test_the_demo_always_publishes_a_cadre_selections_results(monkeypatch):
    """Whatever the random matters drew, one 中层干部竞聘上岗 has its plan, eligibility and
    nominees published and in force (the portal's 权力运行公开, issue 12's Done when)."""
    from lianfang.portal import selectors as portal_selectors

    monkeypatch.setattr(demo_flows, "INSTANCES", 10)
    call_command("demo", "--seed", "5", stdout=None)
    hospital = Organisation.objects.get(code="SL-H01")
    cadre = [
        r.fields["step"]
        for r in portal_selectors.published_results(hospital)
        if r.fields.get("flow") == "中层干部竞聘上岗"
    ]
    assert {"竞聘实施方案审定", "资格审查", "拟任人选确定与公示"} <= set(cadre)
    instance = Instance.objects.get(
        organisation=hospital,
        version__definition__code=demo_flows.CADRE_FLOW,
        data__position="心内科护士长",
    )
    ready = instance.tasks.get(state=Task.State.READY)
    assert ready.bpmn_id == "Task_appointment" and ready.overdue_at is None
