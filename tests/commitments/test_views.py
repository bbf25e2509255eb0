import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from lianfang.commitments import selectors, services
from lianfang.commitments.documents import ARCHIVE
from lianfang.commitments.models import Commitment
from lianfang.core import attachments, jobs
from lianfang.core.models import Job
from lianfang.org.models import Person, Post
from tests.documents_text import pdf_text, soffice_pdf_text
from tests.factories import PASSWORD, make_person

from .conftest import change_post

YEAR = timezone.localdate().year


def _act(client, c, action, **data):
    return client.post(reverse("commitments:detail", args=[c.pk]), {"action": action, **data})


def test_a_staff_member_generates_submits_and_signs_through_the_pages(filed, client):
    staff, leader = filed.users["staff"], filed.users["leader"]
    client.force_login(staff)
    response = client.post(reverse("commitments:generate"))
    c = Commitment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{c.pk}/")
    page = client.get(reverse("commitments:detail", args=[c.pk])).content.decode()
    assert "收受医药代表回扣" in page and "处方点评每月一次" in page and "廉洁自律" in page
    _act(client, c, "update", personal="不参加医药代表组织的宴请")
    _act(client, c, "submit")
    client.force_login(leader)
    assert c.person.name in client.get(reverse("commitments:queue")).content.decode()
    _act(client, c, "return", reason="")  # refused: a reason is needed
    c.refresh_from_db()
    assert c.state == Commitment.State.SUBMITTED
    _act(client, c, "approve")
    client.force_login(staff)
    response = _act(client, c, "sign", password="wrong")
    c.refresh_from_db()
    assert c.state == Commitment.State.REVIEWED
    _act(client, c, "sign", password=PASSWORD)
    c.refresh_from_db()
    assert c.state == Commitment.State.SIGNED and services.verify_signature(c)
    page = client.get(reverse("commitments:detail", args=[c.pk])).content.decode()
    assert c.content_hash in page and "校验一致" in page
    # the archive keeps the signed version, .docx and .pdf, readable by the signer
    archived = list(attachments.attachments_of(c, ARCHIVE))
    assert sorted(a.mime_type.split("/")[-1][:4] for a in archived) == ["pdf", "vnd."]
    response = client.get(reverse("core:attachment_download", args=[archived[0].pk]))
    assert response.status_code == 200
    # fulfilment at year end
    titles = services.fulfilment_titles(c)
    _act(client, c, "report", report=["已做到"] * len(titles))
    client.force_login(leader)
    _act(client, c, "accept", note="属实")
    c.refresh_from_db()
    assert c.fulfilment_state == Commitment.Fulfilment.CHECKED


def test_someone_elses_commitment_is_404_and_nothing_changes(filed, client):
    c = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    client.force_login(filed.users["outsider"])
    assert client.get(reverse("commitments:detail", args=[c.pk])).status_code == 404
    assert _act(client, c, "submit").status_code == 404
    # a colleague who sees it (the head) cannot act as the signer: 404, nothing changes
    client.force_login(filed.users["dept_head"])
    assert _act(client, c, "submit").status_code == 404
    assert _act(client, c, "nonsense").status_code == 404
    c.refresh_from_db()
    assert c.state == Commitment.State.DRAFT


def test_the_form_as_word_opens_in_libreoffice_with_its_chinese_text(filed, client, tmp_path):
    c = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=YEAR
    )
    client.force_login(filed.users["staff"])
    response = client.get(reverse("commitments:docx", args=[c.pk]) + "?copy=personnel")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    footer = document.sections[0].footer.paragraphs[0].text
    assert "第三联" in footer and "人事部门存档" in footer
    text = soffice_pdf_text(response.content, tmp_path)
    for words in ("个人岗位廉政风险点和自我防控承诺表", "示例市人民医院", "收受医药代表回扣",
                  "处方点评每月一次", "廉洁自律", "违诺责任", "人事部门存档"):  # fmt: skip
        assert words in text, words
    pdf = client.get(reverse("commitments:pdf", args=[c.pk]) + "?copy=office")
    assert pdf.status_code == 200
    assert "纪检监察部门存档" in pdf_text(pdf.content)


def test_the_overview_lists_missing_and_stale_with_fixed_queries(
    filed, client, django_assert_max_num_queries
):
    office = filed.users["integrity"]
    client.force_login(office)
    c = services.commitment_generate(actor=office, person=filed.staff_person, year=YEAR)
    services.commitment_submit(actor=filed.users["staff"], commitment=c)
    services.commitment_approve(actor=filed.users["leader"], commitment=c)
    services.commitment_sign(actor=filed.users["staff"], commitment=c, password=PASSWORD)
    new_post = Post.objects.create(
        organisation=filed.hospital, department=filed.cardiology, name="医疗组长", code="P-ZZ"
    )
    change_post(filed.staff_person, new_post, timezone.localdate())
    url = reverse("commitments:overview") + "?status=stale"
    page = client.get(url).content.decode()
    assert "张医生" in page and "岗位变动待重签" in page
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("commitments:overview"))
    for i in range(40):
        make_person(filed.hospital, filed.cardiology, f"5{i:03d}", f"新人{i}", new_post)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("commitments:overview"))
    assert Person.objects.count() > 40


def test_the_review_queue_has_fixed_queries(filed, client, django_assert_max_num_queries):
    leader = filed.users["leader"]
    client.force_login(leader)

    def submit_one(person):
        c = services.commitment_generate(actor=filed.users["integrity"], person=person, year=YEAR)
        Commitment.objects.filter(pk=c.pk).update(state=Commitment.State.SUBMITTED)

    submit_one(filed.staff_person)
    with django_assert_max_num_queries(40) as small:
        assert client.get(reverse("commitments:queue")).status_code == 200
    post = Post.objects.get(code="P-ZZYS")
    for i in range(15):
        submit_one(make_person(filed.hospital, filed.cardiology, f"6{i:03d}", f"医生{i}", post))
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("commitments:queue")).content.decode()
    assert page.count('data-testid="commitment-queue-row"') == 16


def test_bulk_generation_runs_as_a_job_with_progress(filed, client):
    client.force_login(filed.users["integrity"])
    response = client.post(
        reverse("commitments:generate_all"),
        {"organisation": filed.hospital.pk, "year": YEAR},
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.done == job.total == 5 and job.result["created"] == 5
    assert Commitment.objects.count() == 5
    rows = selectors.due_people([filed.hospital.pk], YEAR)
    assert {r.status for r in rows} == {selectors.IN_PROGRESS}
    # staff may not start it
    client.force_login(filed.users["staff"])
    response = client.post(
        reverse("commitments:generate_all"), {"organisation": filed.hospital.pk, "year": YEAR}
    )
    assert response.status_code == 403


def test_the_template_page_saves_and_refuses_bad_input(filed, client):
    client.force_login(filed.users["integrity"])
    url = reverse("commitments:template")
    assert "廉洁自律" in client.get(url).content.decode()
    response = client.post(
        url, {"organisation": filed.hospital.pk, "title": ["廉洁行医"], "text": [""], "breach": "x"}
    )
    assert response.status_code == 200 and "承诺内容" in response.content.decode()
    response = client.post(
        url,
        {"organisation": filed.hospital.pk, "title": ["廉洁行医"], "text": ["不收红包"],
         "breach": "通报批评"},
    )  # fmt: skip
    assert response.status_code == 302
    assert services.template_for(filed.hospital)[0] == [{"title": "廉洁行医", "text": "不收红包"}]


@pytest.mark.parametrize("role", ["staff", "leader", "integrity"])
def test_the_pages_open_empty(filed, client, role):
    client.force_login(filed.users[role])
    assert client.get(reverse("commitments:mine")).status_code == 200
    assert client.get(reverse("commitments:published")).status_code == 200


def test_the_overview_sorts_and_filters(filed, client):
    client.force_login(filed.users["integrity"])
    url = reverse("commitments:overview")
    page = client.get(url + "?sort=-name&status=missing").content.decode()
    names = [n for n in ("赵医生", "陈采购", "李主任", "张医生", "王副院长") if n in page]
    positions = sorted(names, key=page.index)
    assert positions == sorted(names, reverse=True)  # by name, descending
    assert client.get(url + "?sort=nonsense&year=abc&organisation=x&page=z").status_code == 200


def test_a_job_for_a_year_the_service_refuses_fails_with_its_message(filed):
    job = jobs.enqueue(
        "commitments.generate",
        actor=filed.users["integrity"],
        organisation=filed.hospital,
        params={"organisation": filed.hospital.pk, "year": 1990},
    )
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "年度无效。"
    assert Commitment.objects.count() == 0
