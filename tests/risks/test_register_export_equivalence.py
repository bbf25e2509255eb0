"""The register's Excel export reads rows as tuples and writes its cells' XML itself (for the
speed of a commission's whole register, docs/benchmarks.md). The file must not change: here
a demo hospital's register (about 10,000 risk points, with measures, owners, leaders and
monitors), plus points the demo does not make (ungraded, half-scored, without department,
post or step, with criteria, text that looks like a formula), is exported both ways and the
rows and the workbooks compared.

`reference_rows` and `reference_export` are the export as it was written before (commit
af9f086): model instances with their relations and prefetched measures, each row built from
them, and XlsxWriter's own per-cell calls (`SheetWriter(xml_cells=False)`), under the
printed form's heading and signature line the export has had since (issue 9).
"""

import datetime as dt
import io
import zipfile
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Prefetch

from lianfang.core import spreadsheets
from lianfang.core.chunks import chunks
from lianfang.org.models import LeaderDivision, Organisation, Person
from lianfang.risks import register_io
from lianfang.risks.models import Measure, RiskPoint
from lianfang.risks.positioning import _current_divisions_q, monitor_lines
from tests.risks.factories import make_measure, make_power, make_risk_point

pytestmark = pytest.mark.django_db


# The export before (af9f086) -------------------------------------------------------------------


def reference_queryset(points):
    return (
        points.select_related("organisation", "department__head", "post", "power", "step")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related(
                    "owner_person", "owner_department"
                ).order_by("id"),
                to_attr="export_measures",
            )
        )
        .order_by(*register_io.EXPORT_ORDER)
    )


def measure_lines(measures) -> str:
    return "\n".join(
        f"{i}. " + m.text.replace("\n", "\n" + register_io.CONTINUATION)
        for i, m in enumerate(measures, start=1)
    )


def owner_text(measure) -> str:
    if measure.owner_person_id:
        return f"{measure.owner_person.name}（{measure.owner_person.staff_no}）"
    if measure.owner_department_id:
        return measure.owner_department.name
    return "—"


def reference_rows(points) -> list[list]:
    labels = register_io._Labels()
    rows = []
    for chunk in chunks(reference_queryset(points), size=register_io.EXPORT_CHUNK):
        monitors = monitor_lines(chunk)
        leaders = defaultdict(list)
        divisions = (
            LeaderDivision.objects.filter(
                department_id__in={p.department_id for p in chunk if p.department_id},
                leader__active=True,
            )
            .filter(_current_divisions_q())
            .order_by("department_id", "since", "pk")
            .values_list("department_id", "leader__name")
        )
        for department_id, name in divisions:
            if name not in leaders[department_id]:
                leaders[department_id].append(name)
        for point in chunk:
            measures = point.export_measures
            department = point.department if point.department_id else None
            head = department.head if department is not None and department.head_id else None
            values = {
                "seq": len(rows) + 1,
                "unit": department.name if department else point.organisation.name,
                "post": point.post.name if point.post_id else "",
                "power": point.power.name,
                "step": point.step.name if point.step_id else "",
                "category": labels.category.get(point.category, point.category),
                "name": point.name,
                "manifestation": point.manifestation,
                "likelihood": point.likelihood,
                "harm": point.harm,
                "score": point.score,
                "level": labels.level.get(point.level, ""),
                "measures": measure_lines(measures),
                "owner": head.name if head else "",
                "leader": "、".join(leaders.get(point.department_id, [])),
                "monitors": "\n".join(labels.monitor(m) for m in monitors.get(point.pk, [])),
                "status": labels.status.get(point.status, point.status),
                "id": point.pk,
                "organisation": point.organisation.name,
                "subject": labels.subject.get(point.subject, point.subject),
                "power_code": point.power.code,
                "source": labels.source.get(point.source, point.source),
                "matter_kind": labels.matter.get(point.matter_kind, point.matter_kind),
                "criteria": "、".join(labels.criteria.get(k, k) for k in point.criteria or ()),
                "last_reviewed": point.last_reviewed,
                "measure_owners": "\n".join(owner_text(m) for m in measures),
                "measure_due": "\n".join(m.due.isoformat() if m.due else "—" for m in measures),
                "measure_status": "\n".join(
                    labels.measure_status.get(m.status, "") for m in measures
                ),
            }
            rows.append([values[key] for key in register_io.KEYS])
    return rows


def reference_export(rows) -> bytes:
    """The rows written by XlsxWriter's own calls, under the same heading and above the same
    signature line (`register_sheet`, `register_sheet_end`: the layout is shared, the cells'
    XML is what is compared)."""
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out, xml_cells=False, font=spreadsheets.FONT_SONG) as book:
        sheet = register_io.register_sheet(book, unit=UNIT, date=DAY)
        for values in rows:
            sheet.row(values)
        register_io.register_sheet_end(sheet)
    return out.getvalue()


UNIT, DAY = "示例市人民医院", dt.date(2026, 12, 7)


# The register ------------------------------------------------------------------------------------


@pytest.fixture
def demo_register(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--seed", "7", "--density", "dense", "--register-only", stdout=StringIO())
    hospital = Organisation.objects.get(name="示例市人民医院")
    point = RiskPoint.objects.filter(organisation=hospital, step__isnull=False).first()
    department = point.department
    power = make_power(hospital, "=边缘情形的权力", "=1+1", steps=["审批"])
    odd = [
        make_risk_point(hospital, power, name="未定级", likelihood=None, harm=None, grade=False),
        make_risk_point(hospital, power, name="只有可能性", likelihood=3, harm=None),
        make_risk_point(
            hospital,
            power,
            name="@单位层面",
            criteria=["funds", "unknown-criterion"],
            matter_kind="unknown-kind",
            last_reviewed=dt.date(2026, 3, 1),
            status=RiskPoint.Status.RETIRED,
        ),
        make_risk_point(
            hospital,
            point.power,
            step=point.step,
            department=department,
            name="-科室层面\n两行",
            manifestation=" 前后有空格 \t",
        ),
    ]
    make_measure(hospital, "无时限\n第二行", owner_department=department, points=odd[2:])
    person = Person.objects.filter(organisation=hospital).order_by("pk").first()
    make_measure(hospital, "+个人措施", owner_person=person, points=odd, due=dt.date(2027, 1, 1))
    return RiskPoint.objects.all()


def sheet_members(content: bytes) -> list[tuple[str, bytes]]:
    """The workbook's members in order, but for docProps/core.xml (its creation time)."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist() if i.filename != "docProps/core.xml"]


def test_the_export_writes_what_the_model_instances_gave(demo_register):
    points = demo_register
    expected = reference_rows(points)
    assert len(expected) > 8000
    assert {row[11] for row in expected} >= {"", "一级（高）", "二级（中）", "三级（低）"}
    assert any(row[13] and row[14] and row[15] and row[25] for row in expected)  # realistic

    rows = list(register_io.iter_values(points))
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert got == want
        assert [type(v) for v in got] == [type(v) for v in want]

    with register_io.export_register(points, unit=UNIT, date=DAY) as exported:
        ours = exported.read()
    assert sheet_members(ours) == sheet_members(reference_export(expected))
