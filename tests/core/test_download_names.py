"""Downloads are named once (core.documents.download_name): in Chinese for browsers that read
RFC 6266's filename*, and in readable ASCII (register-H1-20261204.xlsx) for the rest."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from lianfang.core import documents, jobs
from lianfang.core.models import Job
from tests.risks.register_data import build_register

pytestmark = pytest.mark.django_db


def ascii_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.isascii()
    return re.search(r'filename="([^"]+)"', disposition).group(1)


def chinese_name(response) -> str:
    from urllib.parse import unquote

    return unquote(re.search(r"filename\*=UTF-8''(\S+)", response["Content-Disposition"])[1])


def today() -> str:
    return f"{timezone.localdate():%Y%m%d}"


def test_download_name_pairs_a_chinese_and_an_ascii_name():
    name = documents.download_name(
        "风险点登记表", "register", parts=("示例市人民医院", None), codes=("SL-H01", ""), ext="xlsx"
    )
    assert name == f"风险点登记表-示例市人民医院-{today()}.xlsx"
    assert name.ascii == f"register-SL-H01-{today()}.xlsx"
    disposition = documents.content_disposition(name)
    assert f'filename="register-SL-H01-{today()}.xlsx"' in disposition
    # a code that is not ASCII is reduced to what is
    odd = documents.download_name("定位表", "positioning", codes=("心内科", "0102"), ext="pdf")
    assert odd.ascii == f"positioning-0102-{today()}.pdf"


def test_register_downloads_name_the_unit(world, login):
    build_register(world)
    client = login(world.users["integrity"])
    response = client.get(reverse("risks:register_xlsx"))
    assert ascii_name(response) == f"register-H1-{today()}.xlsx"
    assert chinese_name(response) == f"风险点登记表-示例市人民医院-{today()}.xlsx"
    pdf = client.get(reverse("risks:register_pdf"))
    assert ascii_name(pdf) == f"register-H1-{today()}.pdf"
    # the commission: the hospital it chose, else itself
    client = login(world.users["commission_integrity"])
    chosen = client.get(reverse("risks:register_xlsx"), {"organisation": world.other_hospital.pk})
    assert ascii_name(chosen) == f"register-H2-{today()}.xlsx"
    assert ascii_name(client.get(reverse("risks:register_xlsx"))) == f"register-WJW-{today()}.xlsx"


def test_a_positioning_table_names_the_department_and_the_person(world, login):
    build_register(world)
    client = login(world.users["integrity"])
    head = world.users["dept_head"].person
    response = client.get(reverse("risks:positioning_xlsx", args=[head.pk]))
    assert response.status_code == 200
    assert ascii_name(response) == f"positioning-XNK-0101-{today()}.xlsx"
    assert chinese_name(response) == f"廉政风险定位表-李主任-{today()}.xlsx"


def test_a_background_download_keeps_its_ascii_name(world, login, settings):
    build_register(world)
    settings.LIANFANG_EXPORT_INLINE_ROWS = 1
    client = login(world.users["integrity"])
    client.get(reverse("risks:register_xlsx"))
    assert jobs.run_pending() == 1
    job = Job.objects.get()
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert ascii_name(download) == f"register-H1-{today()}.xlsx"
    assert chinese_name(download) == f"风险点登记表-示例市人民医院-{today()}.xlsx"


def test_roster_and_catalogue_downloads_read(world, login):
    client = login(world.users["admin"])
    assert ascii_name(client.get(reverse("org:roster_export"))) == f"roster-H1-{today()}.xlsx"
    assert ascii_name(client.get(reverse("org:power_export"))) == f"powers-H1-{today()}.xlsx"
    assert ascii_name(client.get(reverse("org:roster_template"))) == "roster-template.xlsx"
    assert ascii_name(client.get(reverse("org:power_template"))) == "powers-template.xlsx"
