import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianfang.commitments import selectors, services
from lianfang.commitments.models import Commitment, CommitmentTemplate
from lianfang.core.models import AuditEvent
from lianfang.org.models import Post
from tests.factories import PASSWORD

from .conftest import change_post

YEAR = timezone.localdate().year


def _sign_path(world, commitment):
    staff, leader = world.users["staff"], world.users["leader"]
    services.commitment_submit(actor=staff, commitment=commitment)
    services.commitment_approve(actor=leader, commitment=commitment)
    return services.commitment_sign(actor=staff, commitment=commitment, password=PASSWORD)


def test_generated_from_the_signers_filed_points_and_measures(filed):
    c = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    assert c.kind == Commitment.Kind.PERSONAL and c.state == Commitment.State.DRAFT
    names = [p["name"] for p in c.content["points"]]
    assert names == ["收受医药代表回扣"]  # the draft point and the department's are not copied
    assert c.content["points"][0]["measures"] == ["处方点评每月一次，异常处方约谈"]
    assert [i["title"] for i in c.content["items"]] == [
        "廉洁自律",
        "一岗双责",
        "接受监督",
        "依法行政",
    ]
    assert "违反上述承诺" in c.content["breach"]
    assert c.posts == "主治医师"
    # generating again gives the same one
    again = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    assert again.pk == c.pk and Commitment.objects.count() == 1


def test_departmental_from_the_departments_points(filed):
    c = services.department_commitment_generate(
        actor=filed.users["dept_head"], department=filed.cardiology, year=YEAR
    )
    assert c.kind == Commitment.Kind.DEPARTMENTAL and c.person == filed.head_person
    assert [p["name"] for p in c.content["points"]] == ["科室耗材申领把关不严"]
    assert services.is_signer(filed.users["dept_head"], c)
    assert not services.is_signer(filed.users["staff"], c)


def test_the_organisations_template_and_its_inheritance(filed):
    office = filed.users["integrity"]
    services.template_save(
        actor=office,
        organisation=filed.hospital,
        items=[{"title": "廉洁行医", "text": "不收红包"}, {"title": "", "text": ""}],
        breach="违诺者通报批评",
    )
    c = services.commitment_generate(actor=office, person=filed.staff_person, year=YEAR)
    assert c.content["items"] == [{"title": "廉洁行医", "text": "不收红包"}]
    assert c.content["breach"] == "违诺者通报批评"
    with pytest.raises(ValidationError):
        services.template_save(actor=office, organisation=filed.hospital, items=[], breach="x")
    with pytest.raises(ValidationError):
        services.template_save(
            actor=office,
            organisation=filed.hospital,
            items=[{"title": "a", "text": ""}],
            breach="x",
        )
    with pytest.raises(PermissionDenied):
        services.template_save(
            actor=filed.users["staff"], organisation=filed.hospital, items=[], breach="x"
        )
    assert CommitmentTemplate.objects.count() == 1
    # the other hospital inherits nothing from a sibling: the default
    assert services.template_for(filed.other_hospital)[2] is None


def test_submit_review_return_and_sign(filed):
    staff, leader = filed.users["staff"], filed.users["leader"]
    c = services.commitment_generate(actor=staff, person=filed.staff_person, year=YEAR)
    services.commitment_update(actor=staff, commitment=c, personal="不参加医药代表组织的宴请")
    services.commitment_submit(actor=staff, commitment=c)
    # the signer cannot review; another staff member cannot either
    with pytest.raises(PermissionDenied):
        services.commitment_approve(actor=staff, commitment=c)
    with pytest.raises(ValidationError):
        services.commitment_return(actor=leader, commitment=c, reason=" ")
    services.commitment_return(actor=leader, commitment=c, reason="补充承诺过于笼统")
    c.refresh_from_db()
    assert c.state == Commitment.State.RETURNED and c.return_count == 1
    services.commitment_update(
        actor=staff, commitment=c, personal="不参加医药代表组织的任何宴请和活动"
    )
    services.commitment_submit(actor=staff, commitment=c)
    # signing before review is refused
    with pytest.raises(ValidationError):
        services.commitment_sign(actor=staff, commitment=c, password=PASSWORD)
    services.commitment_approve(actor=leader, commitment=c)
    with pytest.raises(ValidationError, match="密码"):
        services.commitment_sign(actor=staff, commitment=c, password="wrong")
    with pytest.raises(PermissionDenied):
        services.commitment_sign(actor=leader, commitment=c, password=PASSWORD)
    services.commitment_sign(actor=staff, commitment=c, password=PASSWORD)
    c.refresh_from_db()
    assert c.state == Commitment.State.SIGNED and c.signed_at and c.signed_by == staff
    assert c.content_hash == hashlib.sha256(services.canonical_content(c)).hexdigest()
    assert services.verify_signature(c)
    event = AuditEvent.objects.filter(action="commitment.sign").get()
    assert event.after["sha256"] == c.content_hash
    actions = list(
        AuditEvent.objects.filter(action__startswith="commitment.").values_list("action", flat=True)
    )
    assert actions.count("commitment.return") == 1 and "commitment.approve" in actions
    # frozen: no edit, no refresh from the register
    with pytest.raises(ValidationError):
        services.commitment_update(actor=staff, commitment=c, personal="改")
    services.commitment_generate(actor=staff, person=filed.staff_person, year=YEAR)
    c.refresh_from_db()
    assert services.verify_signature(c)
    # a changed byte of the content no longer verifies
    c.personal += "。"
    assert not services.verify_signature(c)


def test_the_integrity_office_reviews_where_no_leader_is_in_charge(world):
    c = services.commitment_generate(
        actor=world.users["staff"], person=world.staff_person, year=YEAR
    )
    assert services.reviewer_user_ids(c) == {world.users["integrity"].pk}
    services.commitment_submit(actor=world.users["staff"], commitment=c)
    assert list(selectors.review_queue(user=world.users["integrity"])) == [c]
    assert list(selectors.review_queue(user=world.users["leader"])) == []


def test_queue_and_visibility(filed):
    c = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    services.commitment_submit(actor=filed.users["staff"], commitment=c)
    assert list(selectors.review_queue(user=filed.users["leader"])) == [c]
    assert list(selectors.review_queue(user=filed.users["integrity"])) == []
    assert selectors.visible_to(filed.users["outsider"]).count() == 0
    assert selectors.visible_to(filed.users["dept_head"]).count() == 1
    assert list(selectors.my_commitments(user=filed.users["staff"])) == [c]


def test_fulfilment_reported_and_checked(filed):
    staff, leader = filed.users["staff"], filed.users["leader"]
    c = services.commitment_generate(actor=staff, person=filed.staff_person, year=YEAR)
    with pytest.raises(ValidationError):
        services.fulfilment_report(actor=staff, commitment=c, reports=["a"] * 4)
    _sign_path(filed, c)
    with pytest.raises(ValidationError, match="逐项"):
        services.fulfilment_report(actor=staff, commitment=c, reports=["做到了"] * 3)
    services.fulfilment_report(actor=staff, commitment=c, reports=["做到了"] * 4)
    with pytest.raises(ValidationError):
        services.fulfilment_check(actor=leader, commitment=c, accept=False, note="")
    services.fulfilment_check(actor=leader, commitment=c, accept=False, note="请写具体事例")
    c.refresh_from_db()
    assert c.fulfilment_state == Commitment.Fulfilment.RETURNED
    services.fulfilment_report(actor=staff, commitment=c, reports=["拒收红包两次"] * 4)
    services.fulfilment_check(actor=leader, commitment=c, accept=True, note="")
    c.refresh_from_db()
    assert c.fulfilment_state == Commitment.Fulfilment.CHECKED
    assert [f["title"] for f in c.fulfilment][0] == "廉洁自律"
    assert services.verify_signature(c)  # the report is not part of what was signed


def test_a_post_change_makes_the_signed_commitment_stale(filed):
    c = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    rows = {r.person_id: r for r in selectors.due_people([filed.hospital.pk], YEAR)}
    assert rows[filed.staff_person.pk].status == selectors.IN_PROGRESS
    assert rows[filed.colleague_person.pk].status == selectors.MISSING
    _sign_path(filed, c)
    rows = {r.person_id: r for r in selectors.due_people([filed.hospital.pk], YEAR)}
    assert rows[filed.staff_person.pk].status == selectors.SIGNED
    new_post = Post.objects.create(
        organisation=filed.hospital, department=filed.cardiology, name="医疗组长", code="P-ZZ"
    )
    change_post(filed.staff_person, new_post, timezone.localdate())
    rows = {r.person_id: r for r in selectors.due_people([filed.hospital.pk], YEAR)}
    stale = rows[filed.staff_person.pk]
    assert stale.status == selectors.STALE and stale.signed_posts == "主治医师"
    assert stale.posts == "医疗组长"
    fresh = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    assert fresh.pk != c.pk and fresh.posts == "医疗组长"
    rows = {r.person_id: r for r in selectors.due_people([filed.hospital.pk], YEAR)}
    assert rows[filed.staff_person.pk].status == selectors.IN_PROGRESS


def test_bad_input_is_refused_and_nothing_written(filed):
    staff = filed.users["staff"]
    with pytest.raises(ValidationError):
        services.commitment_generate(actor=staff, person=filed.staff_person, year=1800)
    with pytest.raises(PermissionDenied):
        services.commitment_generate(actor=staff, person=filed.colleague_person, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.commitments_generate(actor=staff, organisation=filed.hospital, year=YEAR)
    c = services.commitment_generate(actor=staff, person=filed.staff_person, year=YEAR)
    with pytest.raises(ValidationError):
        services.commitment_update(actor=staff, commitment=c, personal="长" * 2001)
    with pytest.raises(PermissionDenied):
        services.commitment_submit(actor=filed.users["outsider"], commitment=c)
    c.refresh_from_db()
    assert c.personal == "" and c.state == Commitment.State.DRAFT


def test_bulk_generation_matches_the_single_service(filed):
    office = filed.users["integrity"]
    single = services.commitment_generate(actor=office, person=filed.staff_person, year=YEAR)
    seen = []
    result = services.commitments_generate(
        actor=office,
        organisation=filed.hospital,
        year=YEAR,
        progress=lambda done, total=None, **kw: seen.append((done, total)),
        chunk_size=2,
    )
    people_with_posts = 5  # the hospital's five people hold posts; the staff member had one
    assert result.created == people_with_posts - 1 and result.skipped == 1
    colleague = Commitment.objects.get(person=filed.colleague_person)
    assert colleague.content == single.content  # the same post, the same points
    assert seen[-1] == (5, 5)
    assert AuditEvent.objects.filter(action="commitment.generate").count() == 5
    again = services.commitments_generate(actor=office, organisation=filed.hospital, year=YEAR)
    assert again.created == 0


def test_the_reviewer_and_the_signer_are_told(filed):
    from lianfang.core.models import Notification

    staff, leader = filed.users["staff"], filed.users["leader"]
    c = services.commitment_generate(actor=staff, person=filed.staff_person, year=YEAR)
    services.commitment_submit(actor=staff, commitment=c)
    waiting = Notification.objects.get(recipient=leader)
    assert "张医生" in waiting.subject and waiting.link.endswith(f"/{c.pk}/")
    services.commitment_return(actor=leader, commitment=c, reason="请写具体")
    returned = Notification.objects.get(recipient=staff)
    assert "已被退回" in returned.subject and "请写具体" in returned.body
