"""Issue 14 item 2, filing starts from what exists: the filing screen's rows (last year's
points of the post first, then the standard library's for the post's powers, none twice, none
the post has already), and its one submission through `services.task_file` (keep, edit,
remove, take, add), all or nothing: a vague point is refused with its reasons, per row, and
nothing is written. Another person's task is not found."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianfang.campaigns import selectors, services
from lianfang.campaigns.models import CampaignPoint, CampaignTask
from lianfang.campaigns.services import FilingChoice
from lianfang.core.models import AuditEvent
from lianfang.reviews.models import Submission
from lianfang.risks.models import RiskPoint
from tests.campaigns.helpers import LAST_YEAR, filing_setup, post_point, power_of

pytestmark = pytest.mark.django_db

VAGUE = "业务程序有待进一步规范"


@pytest.fixture
def filing(world):
    campaign, task, filed = filing_setup(world)
    return task, filed


def screen_rows(task):
    return selectors.filing_screen(task=task)["rows"]


def test_the_screen_lists_last_years_points_first_then_the_librarys(world, filing):
    task, filed = filing
    rows = screen_rows(task)
    assert [r.source for r in rows] == ["carried"] * 3 + ["library"] * 2
    assert [r.name for r in rows[:3]] == list(LAST_YEAR)
    assert {r.name for r in rows[3:]} == {"出具虚假医学证明", "证明专用章外借空白盖章"}
    library = rows[3]
    assert library.power_name == "诊断证明与医学证明出具" and library.step_name
    assert library.likelihood and library.harm and library.measure


def test_a_library_point_the_post_has_already_is_not_suggested_again(world, filing):
    task, _filed = filing
    post_point(world, world.users["staff"], name="出具虚假医学证明")  # a draft of this year
    names = [r.name for r in screen_rows(task)]
    assert "出具虚假医学证明" not in names and "证明专用章外借空白盖章" in names


def test_keep_edit_remove_take_and_add_in_one_submission(world, filing):
    task, filed = filing
    staff = world.users["staff"]
    rows = screen_rows(task)
    keep, edit, remove, take, drop = rows
    manifestation = "为获取回扣，在门诊处方中超说明书剂量开具特定厂家药品，规避处方点评"
    counts = services.task_file(
        actor=staff,
        task=task,
        choices=[
            FilingChoice(keep.key, "keep"),
            FilingChoice(edit.key, "edit", {**edit.values, "manifestation": manifestation}),
            FilingChoice(remove.key, "remove"),
            FilingChoice(take.key, "keep"),
            FilingChoice(drop.key, "remove"),
            FilingChoice(
                "n0",
                "edit",
                {
                    "name": "为患者开具与病情不符的检查单",
                    "manifestation": "为完成科室检查收入指标，给门诊患者开具与病情不符的设备检查",
                    "power": str(power_of(world).pk),
                    "step": str(power_of(world).steps.first().pk),
                    "likelihood": "2",
                    "harm": "2",
                    "measure": "医务科每月抽查大型设备检查单的阳性率并在院周会通报",
                },
            ),
        ],
    )
    assert counts == {"kept": 1, "changed": 1, "removed": 1, "added": 2}
    points = {cp.risk_point.name: cp for cp in task.points.select_related("risk_point")}
    assert points[keep.name].confirmed
    # the edit is a change request: the point stays as filed until the chain approves it
    changed = points[edit.name].risk_point
    assert changed.status == "filed" and changed.manifestation != manifestation
    request = Submission.objects.open().of(changed).get()
    assert request.kind == "change" and request.proposed == {"manifestation": manifestation}
    with pytest.raises(ValidationError, match="变更正在审核中"):  # not kept as it was meanwhile
        services.campaign_point_confirm(actor=staff, campaign_point=points[edit.name])
    removed = points[remove.name]
    assert removed.removed and not removed.confirmed and removed.risk_point.status == "filed"
    # the library point taken and the point added: drafts of the staff member, submitted
    for name, origin in (
        (take.name, CampaignPoint.Origin.LIBRARY),
        ("为患者开具与病情不符的检查单", CampaignPoint.Origin.NEW),
    ):
        point = RiskPoint.objects.get(name=name)
        assert point.author == staff and point.post_id == task.post_id
        assert Submission.objects.open().of(point).get().kind == "file"
        assert point.measures.get().owner_person == world.staff_person
        assert points[name].origin == origin
    assert not RiskPoint.objects.filter(name=drop.name).exists()
    task.refresh_from_db()
    assert task.status == CampaignTask.Status.IN_REVIEW
    assert AuditEvent.objects.filter(action="campaign.task_file").count() == 1
    # nothing is left to decide but the library point not taken
    assert [r.name for r in screen_rows(task)] == [drop.name]


def test_an_edit_that_changes_nothing_keeps_the_point(world, filing):
    task, _filed = filing
    row = screen_rows(task)[0]
    counts = services.task_file(
        actor=world.users["staff"], task=task, choices=[FilingChoice(row.key, "edit", row.values)]
    )
    assert counts["kept"] == 1 and counts["changed"] == 0
    assert CampaignPoint.objects.get(pk=row.campaign_point.pk).confirmed


def counts_of_writes():
    return (
        RiskPoint.objects.count(),
        Submission.objects.count(),
        AuditEvent.objects.count(),
        CampaignPoint.objects.filter(confirmed=True).count(),
        CampaignPoint.objects.filter(removed=True).count(),
    )


def test_a_vague_point_is_refused_with_its_reasons_and_nothing_is_written(world, filing):
    task, _filed = filing
    keep, edit, remove, take, _drop = screen_rows(task)
    before = counts_of_writes()
    with pytest.raises(ValidationError) as refused:
        services.task_file(
            actor=world.users["staff"],
            task=task,
            choices=[
                FilingChoice(keep.key, "keep"),
                FilingChoice(edit.key, "edit", {**edit.values, "manifestation": VAGUE}),
                FilingChoice(remove.key, "remove"),
                FilingChoice(take.key, "keep"),
                FilingChoice("n3", "edit", {"name": "吃拿卡要", "manifestation": "意识不强"}),
            ],
        )
    errors = refused.value.message_dict
    assert set(errors) == {edit.key, "n3"}
    assert any(f"空泛表述“{VAGUE}”" in m for m in errors[edit.key])
    assert any("权力事项" in m for m in errors["n3"])
    assert counts_of_writes() == before
    task.refresh_from_db()
    assert task.status == CampaignTask.Status.DRAFTING


def test_a_new_point_without_a_measure_is_refused_by_the_vagueness_rule(world, filing):
    task, _filed = filing
    before = counts_of_writes()
    with pytest.raises(ValidationError) as refused:
        services.task_file(
            actor=world.users["staff"],
            task=task,
            choices=[
                FilingChoice(
                    "n0",
                    "edit",
                    {
                        "name": "收受红包",
                        "manifestation": "收红包",
                        "power": str(power_of(world).pk),
                        "step": str(power_of(world).steps.first().pk),
                        "likelihood": "2",
                        "harm": "2",
                    },
                )
            ],
        )
    reasons = refused.value.message_dict["n0"]
    assert any("过于简短" in m for m in reasons) and any("防控措施" in m for m in reasons)
    assert counts_of_writes() == before


def test_a_row_already_settled_or_unknown_is_refused(world, filing):
    task, _filed = filing
    row = screen_rows(task)[0]
    services.task_file(actor=world.users["staff"], task=task, choices=[FilingChoice(row.key)])
    with pytest.raises(ValidationError) as refused:
        services.task_file(actor=world.users["staff"], task=task, choices=[FilingChoice(row.key)])
    assert "已经处理" in refused.value.message_dict[row.key][0]
    with pytest.raises(ValidationError):
        services.task_file(actor=world.users["staff"], task=task, choices=[])


def test_outside_the_filing_phase_a_new_point_is_refused(world):
    from tests.campaigns.helpers import phases_around

    campaign, task, _filed = filing_setup(world)
    phases = phases_around(filing_open=False)
    services.campaign_update(
        actor=world.users["integrity"],
        campaign=campaign,
        data={
            "name": campaign.name,
            "year": campaign.year,
            "scope": campaign.scope,
            "phases": phases,
        },
    )
    take = screen_rows(task)[3]
    with pytest.raises(ValidationError) as refused:
        services.task_file(actor=world.users["staff"], task=task, choices=[FilingChoice(take.key)])
    assert "评估定级与备案阶段" in refused.value.message_dict[take.key][0]
    assert not RiskPoint.objects.filter(name=take.name).exists()


# The page -----------------------------------------------------------------------------------


def test_the_page_files_and_shows_refusals_per_row(world, filing, login):
    task, _filed = filing
    client = login(world.users["staff"])
    url = reverse("campaigns:task_filing", args=[task.pk])
    page = client.get(url).content.decode()
    assert page.count('data-testid="filing-row"') == 5
    assert page.count('data-testid="source-carried"') == 3
    assert page.count('data-testid="source-library"') == 2
    assert (
        reverse("campaigns:task_filing", args=[task.pk])
        in client.get(reverse("campaigns:mine")).content.decode()
    )
    rows = screen_rows(task)
    data = {"row": [r.key for r in rows]}
    for r in rows:
        data[f"{r.key}-action"] = "keep"
    edit = rows[1]
    data[f"{edit.key}-action"] = "edit"
    data.update({f"{edit.key}-{f}": v for f, v in edit.values.items()})
    data[f"{edit.key}-manifestation"] = VAGUE
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="row-errors"') == 1 and "有待进一步" in page
    assert "本次未保存任何内容" in page
    assert 'data-testid="mark-changed"' in page
    assert not CampaignPoint.objects.filter(task=task, confirmed=True).exists()
    data[f"{edit.key}-manifestation"] = "为获取回扣，在门诊处方中超说明书剂量开具特定厂家药品"
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == reverse("campaigns:mine")
    assert CampaignPoint.objects.filter(task=task, confirmed=True).count() == 2
    assert RiskPoint.objects.filter(author=world.users["staff"], status="draft").count() == 2


def test_another_persons_task_is_not_found_and_nothing_changes(world, filing, login):
    task, _filed = filing
    colleague = CampaignTask.objects.get(campaign=task.campaign, person__name="赵医生")
    url = reverse("campaigns:task_filing", args=[colleague.pk])
    for user in ("staff", "dept_head", "integrity"):
        client = login(world.users[user])
        assert client.get(url).status_code == 404
        key = f"c{colleague.points.first().pk}"
        assert client.post(url, {"row": key, f"{key}-action": "keep"}).status_code == 404
    assert not CampaignPoint.objects.filter(confirmed=True).exists()
