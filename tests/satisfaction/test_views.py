import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from lianfang.satisfaction import selectors, services
from lianfang.satisfaction.models import Answer

from .helpers import questionnaire, rows, scores

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def form(value=4, **extra):
    data = {f"item_{k}": str(value) for k in scores()}
    data.update({f"item_{k}": str(value) for k in ("environment", "charges")})
    data.update(extra)
    return data


def test_the_phone_page_is_public_and_chinese(world, client):
    questionnaire(world.hospital)
    page = client.get(reverse("satisfaction:answer", args=[world.cardiology.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "心内科" in html and "非常满意" in html and "张医生" in html
    assert ' style="' not in html and "<script>" not in html
    assert "phone" not in html and "0102" not in html  # names and titles only


def test_the_phone_page_needs_a_questionnaire_and_an_active_department(world, client):
    assert client.get(reverse("satisfaction:answer", args=[world.cardiology.pk])).status_code == 404
    questionnaire(world.hospital)
    world.cardiology.active = False
    world.cardiology.save()
    assert client.get(reverse("satisfaction:answer", args=[world.cardiology.pk])).status_code == 404


def test_an_answer_is_taken_and_the_sender_is_not_recorded(world, client):
    questionnaire(world.hospital)
    url = reverse("satisfaction:answer", args=[world.cardiology.pk])
    page = client.post(
        url,
        form(5, person=str(world.staff_person.pk), comment="挂号排队太久"),
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="Sentinel-UA/9.9",
    )
    assert page.status_code == 200 and "感谢您的评价" in page.content.decode()
    answer = Answer.objects.get()
    assert answer.person == world.staff_person and not answer.tokened
    stored = str(Answer.objects.values().get())
    assert "203.0.113.77" not in stored and "Sentinel-UA" not in stored


def test_a_missing_score_is_shown_on_the_form(world, client):
    questionnaire(world.hospital)
    data = form(4)
    del data["item_explain"]
    page = client.post(reverse("satisfaction:answer", args=[world.cardiology.pk]), data)
    assert page.status_code == 200 and "请为这道题打分" in page.content.decode()
    assert not Answer.objects.exists()


def test_a_code_from_the_slip_counts_once(world, client):
    questionnaire(world.hospital)
    code, _token = services.token_issue(actor=None, department=world.cardiology, visit="A1")
    url = reverse("satisfaction:answer", args=[world.cardiology.pk]) + f"?t={code}"
    page = client.get(url)
    assert "已带评价码" in page.content.decode()
    assert client.post(url, form(4, code=code)).status_code == 200
    again = client.post(url, form(4, code=code))
    assert again.status_code == 200
    assert "该评价码已使用过" in again.content.decode()
    assert Answer.objects.filter(tokened=True).count() == 1


def test_too_many_answers_from_one_address_are_refused(world, client):
    questionnaire(world.hospital)
    url = reverse("satisfaction:answer", args=[world.cardiology.pk])
    answers = [client.post(url, form(4)).status_code for _i in range(12)]
    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]
    assert Answer.objects.count() == 10
    assert "提交过于频繁" in client.post(url, form(4)).content.decode()


def make_answers(world, n, dept=None):
    q = questionnaire(world.hospital)
    now = timezone.now().replace(hour=10, minute=0)
    services.answers_write(
        actor=None,
        rows=rows(
            dept or world.cardiology,
            q,
            n,
            start=now - dt.timedelta(days=20),
            step=dt.timedelta(minutes=30),
            comment="医生态度很好，检查等待时间太长",
            person=world.staff_person if (dept or world.cardiology) == world.cardiology else None,
        ),
    )


def test_results_show_departments_to_the_office_and_the_own_department_to_its_head(world, login):
    make_answers(world, 40)
    make_answers(world, 5, world.procurement)
    page = login(world.users["integrity"]).get(reverse("satisfaction:results"))
    html = page.content.decode()
    assert page.status_code == 200 and "心内科" in html and "采购中心" in html
    assert "不排名" in html  # 5 answers are too few to rank
    head = login(world.users["dept_head"])
    html = head.get(reverse("satisfaction:results")).content.decode()
    assert "心内科" in html and "采购中心" not in html
    assert (
        head.get(reverse("satisfaction:department", args=[world.procurement.pk])).status_code == 404
    )
    page = head.get(reverse("satisfaction:department", args=[world.cardiology.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "张医生" in html and "等待时间" in html
    staff = login(world.users["staff"])
    assert staff.get(reverse("satisfaction:results")).status_code == 403


def test_leaders_see_every_department_of_their_hospital(world, login):
    make_answers(world, 3)
    client = login(world.users["leader"])
    page = client.get(reverse("satisfaction:department", args=[world.cardiology.pk]))
    assert page.status_code == 200
    outside = client.get(reverse("satisfaction:department", args=[world.surgery_b.pk]))
    assert outside.status_code == 404


@pytest.mark.parametrize("url_name", ["satisfaction:results", "satisfaction:flagged"])
def test_list_pages_make_the_same_queries_at_20_and_200_rows(
    world, login, django_assert_max_num_queries, url_name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.users["integrity"])

    def count(n):
        Answer.objects.all().delete()
        q = questionnaire(world.hospital)
        start = timezone.now() - dt.timedelta(days=3)
        services.answers_write(
            actor=None,
            rows=rows(world.cardiology, q, n, start=start, step=dt.timedelta(seconds=5)),
        )
        assert Answer.objects.filter(flagged=True).count() == n
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name) + "?per_page=200").status_code == 200
        return len(queries)

    assert count(20) == count(200)


def test_the_department_page_makes_the_same_queries_at_20_and_200_answers(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.users["integrity"])
    url = reverse("satisfaction:department", args=[world.cardiology.pk])

    def count(n):
        Answer.objects.all().delete()
        make_answers(world, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(20) == count(200)


def test_the_flagged_list_is_the_integrity_office_s(world, login):
    make_answers(world, 3)
    Answer.objects.update(flagged=True, burst=True)
    page = login(world.users["integrity"]).get(reverse("satisfaction:flagged"))
    assert page.content.decode().count('data-testid="sat-flagged-row"') == 3
    assert "短时集中提交" in page.content.decode()
    other = login(world.users["commission_integrity"]).get(reverse("satisfaction:flagged"))
    assert other.content.decode().count('data-testid="sat-flagged-row"') == 3
    assert login(world.users["dept_head"]).get(reverse("satisfaction:flagged")).status_code == 403


def test_codes_and_posters_print(world, login):
    questionnaire(world.hospital)
    client = login(world.users["admin"])
    pk = world.cardiology.pk
    svg = client.get(reverse("satisfaction:qr_svg", args=[pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(reverse("satisfaction:qr_png", args=[pk]))
    assert png.content.startswith(b"\x89PNG")
    poster = client.get(reverse("satisfaction:poster", args=[pk]))
    assert poster["Content-Type"] == "application/pdf"
    import io

    page = PdfReader(io.BytesIO(poster.content)).pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    assert round(width_mm) == 148  # A5
    assert "心内科" in page.extract_text()
    slips = client.post(reverse("satisfaction:slips", args=[pk]), {"count": "6"})
    assert slips["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(slips.content)).pages[0].extract_text()
    found = [code for code in text.split() if len(code) == 14 and code.count("-") == 2]
    assert len(found) == 6
    assert services.token_find(found[0]) is not None
    outsider = login(world.users["dept_head"])
    assert outsider.get(reverse("satisfaction:poster", args=[world.finance.pk])).status_code == 404


def test_questionnaires_are_imported_from_the_page(world, login):
    client = login(world.users["admin"])
    page = client.post(
        reverse("satisfaction:questionnaires"), {"organisation": world.hospital.pk}, follow=True
    )
    assert "已导入标准问卷" in page.content.decode()
    page = client.post(
        reverse("satisfaction:questionnaires"), {"organisation": world.hospital.pk}, follow=True
    )
    assert "未作修改" in page.content.decode()
    other = client.post(
        reverse("satisfaction:questionnaires"), {"organisation": world.other_hospital.pk}
    )
    assert other.status_code == 404


def test_the_department_page_of_org_shows_satisfaction(world, login):
    make_answers(world, 10)
    page = login(world.users["integrity"]).get(
        reverse("org:department_detail", args=[world.cardiology.pk])
    )
    html = page.content.decode()
    assert 'data-testid="department-satisfaction"' in html
    total = selectors.department_total(department=world.cardiology, since=selectors.month_start(2))
    assert f"{total.mean:.1f}" in html
    staff = login(world.users["staff"]).get(
        reverse("org:department_detail", args=[world.cardiology.pk])
    )
    assert 'data-testid="department-satisfaction"' not in staff.content.decode()
