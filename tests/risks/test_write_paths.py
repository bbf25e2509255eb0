"""One write path per aggregate: the same risk points and measures written through the single
services, the register's Excel import and the standard-library import end as the same rows,
the same timeline events and the same audit entries.

Each path runs on the same organisation inside a savepoint that is rolled back after its
result has been captured, so every path starts from the same state.
"""

import copy
import io

import pytest
from django.db import transaction
from openpyxl import load_workbook

from lianfang.core.models import AuditEvent
from lianfang.risks import library_import, register_io, services
from lianfang.risks.models import Measure, RiskPoint, RiskPointEvent
from tests.risks.library_packs import tiny_pack, write_pack
from tests.risks.test_register_io import export_bytes

# Ids and times differ between paths by nature; library bookkeeping is the library's own.
IGNORED = {"id", "created_at", "updated_at", "library_urn", "library_version", "risk_point_id"}
POINT_FIELDS = [
    f.attname
    for f in RiskPoint._meta.concrete_fields
    if f.attname not in IGNORED and f.attname != "source"
]


class Rollback(Exception):
    pass


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setattr(library_import, "PACKS_DIRECTORY", tmp_path)
    return tmp_path


def powers_only(version=1):
    pack = tiny_pack(version)
    pack["risk_points"], pack["measures"] = [], []
    return pack


def import_pack(world, packs, pack):
    write_pack(packs, pack)
    return library_import.library_import(
        actor=world.users["integrity"],
        organisation=world.hospital,
        pack_key="tiny",
    )


def point_key(point) -> tuple:
    return (point.post_id, point.department_id, point.power_id, point.name)


def capture(org, since_seq: int) -> dict:
    """The risk points, measures, their events and the audit entries written since `since_seq`,
    keyed by what identifies them across paths."""
    points = {point_key(p): p for p in RiskPoint.objects.filter(organisation=org)}
    names = {p.pk: key for key, p in points.items()}
    rows = {key: {f: getattr(p, f) for f in POINT_FIELDS} for key, p in points.items()}
    events = {
        key: sorted(
            (e.type, repr(sorted(e.changes.items())))
            for e in RiskPointEvent.objects.filter(risk_point=p)
        )
        for key, p in points.items()
    }
    measures = sorted(
        (
            m.text,
            m.owner_department_id,
            m.owner_person_id,
            m.status,
            tuple(sorted(names[p] for p in m.risk_points.values_list("pk", flat=True))),
        )
        for m in Measure.objects.filter(organisation=org)
    )
    entries = []
    for event in AuditEvent.objects.filter(seq__gt=since_seq).order_by("seq"):
        action = event.action.removeprefix("library.import.")
        if not action.startswith(("risk_point.", "measure.")):
            continue

        def clean(values, event=event):
            values = dict(values or {})
            if "risk_point_id" in values and values["risk_point_id"] is not None:
                values["risk_point"] = names[int(values["risk_point_id"])]
            return sorted((k, repr(v)) for k, v in values.items() if k not in IGNORED)

        entries.append((action, event.object_repr, clean(event.before), clean(event.after)))
    return {"rows": rows, "events": events, "measures": measures, "audit": sorted(entries)}


def run_path(org, write) -> dict:
    """Run `write`, capture what it left, and roll it back."""
    since = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    result = {}
    try:
        with transaction.atomic():
            extra = write()
            result.update(capture(org, since), extra=extra)
            raise Rollback
    except Rollback:
        pass
    return result


def test_single_service_excel_import_and_library_import_write_the_same(world, packs):
    org = world.hospital
    import_pack(world, packs, powers_only())  # the catalogue the three paths share
    integrity = world.users["integrity"]

    # 1. The library import of the tiny pack.
    library = run_path(org, lambda: import_pack(world, packs, tiny_pack()))
    assert len(library["rows"]) == 5 and library["measures"]

    # 2. The same rows through the single services: each point as risk_point_create takes it,
    # each measure with measure_create linking its points. The register is then exported, for
    # the Excel path.
    def single():
        created = {}
        for key, row in library["rows"].items():
            data = {
                "subject": row["subject"],
                "department": row["department_id"],
                "post": row["post_id"],
                "power": row["power_id"],
                "step": row["step_id"],
                "category": row["category"],
                "name": row["name"],
                "manifestation": row["manifestation"],
                "likelihood": row["likelihood"],
                "harm": row["harm"],
                "matter_kind": row["matter_kind"],
                "criteria": row["criteria"],
                "source": RiskPoint.Source.LIBRARY,
            }
            point = services.risk_point_create(actor=integrity, organisation=org, data=data)
            created[key] = point
        for text, department_id, person_id, status, keys in library["measures"]:
            services.measure_create(
                actor=integrity,
                organisation=org,
                data={
                    "text": text,
                    "owner_department": department_id,
                    "owner_person": person_id,
                    "status": status,
                    "risk_points": [created[k] for k in keys],
                },
            )
        return export_bytes(RiskPoint.objects.filter(organisation=org))

    single_result = run_path(org, single)

    # 3. That export, as new rows (no 编号), imported into the register as it was before.
    def excel():
        wb = load_workbook(io.BytesIO(single_result["extra"]))
        ws = wb[register_io.SHEET_TITLE]
        column = [c.value for c in ws[register_io.HEADER_ROW]].index("编号") + 1
        for row in range(register_io.HEADER_ROW + 1, ws.max_row + 1):
            ws.cell(row=row, column=column).value = None
        out = io.BytesIO()
        wb.save(out)
        out.seek(0)
        result = register_io.register_import(actor=integrity, organisation=org, file=out)
        assert result.ok, result.errors
        return None

    excel_result = run_path(org, excel)

    for name, other in (("single service", single_result), ("Excel import", excel_result)):
        for key, row in library["rows"].items():
            diff = {
                f: (v, other["rows"][key][f]) for f, v in row.items() if other["rows"][key][f] != v
            }
            assert not diff, (name, key, diff)
        assert other["rows"] == library["rows"], name
        assert other["events"] == library["events"], name
        assert other["measures"] == library["measures"], name
        assert other["audit"] == library["audit"], name


def test_an_update_writes_the_same_through_the_service_and_the_excel_import(world, packs):
    org = world.hospital
    import_pack(world, packs, tiny_pack())
    integrity = world.users["integrity"]
    point = RiskPoint.objects.filter(organisation=org, name="风险点r2").first()
    change = {"likelihood": 1, "manifestation": point.manifestation + "，并伪造审批记录"}

    single = run_path(
        org,
        lambda: services.risk_point_update(actor=integrity, risk_point=point, data=change),
    )

    def excel():
        wb = load_workbook(io.BytesIO(export_bytes(RiskPoint.objects.filter(pk=point.pk))))
        ws = wb[register_io.SHEET_TITLE]
        col = {c.value: i + 1 for i, c in enumerate(ws[register_io.HEADER_ROW])}
        first = register_io.HEADER_ROW + 1
        ws.cell(row=first, column=col["可能性 L"]).value = 1
        ws.cell(row=first, column=col["风险描述/表现形式"]).value = change["manifestation"]
        out = io.BytesIO()
        wb.save(out)
        out.seek(0)
        result = register_io.register_import(actor=integrity, organisation=org, file=out)
        assert result.ok, result.errors
        assert (result.created, result.updated) == (0, 1)

    excel_result = run_path(org, excel)
    key = point_key(point)
    assert single["rows"][key]["level"] != point.level  # the change regraded it
    assert excel_result["rows"] == single["rows"]
    assert excel_result["events"] == single["events"]
    assert excel_result["audit"] == single["audit"]
    types = [t for t, _changes in single["events"][key]]
    assert RiskPointEvent.Type.UPDATED in types and RiskPointEvent.Type.REGRADED in types


def test_a_level_set_by_hand_gives_way_when_the_library_changes_its_scores(world, packs):
    """The paths disagreed: the library import kept a hand-set level whose scores it changed.
    The services' rule wins: the level follows the new scores."""
    org = world.hospital
    import_pack(world, packs, tiny_pack())
    point = RiskPoint.objects.get(organisation=org, name="风险点r2")
    services.risk_point_update(
        actor=world.users["integrity"],
        risk_point=point,
        data={"level": 1},
        reason="近期发生过同类问题",
    )
    point.refresh_from_db()
    assert (point.level, point.level_manual) == (1, True)
    newer = copy.deepcopy(tiny_pack(2))
    r2 = next(r for r in newer["risk_points"] if r["urn"].endswith(":r2"))
    r2["likelihood"] = r2["harm"] = 1
    import_pack(world, packs, newer)
    point.refresh_from_db()
    assert point.level_manual is False
    assert (point.likelihood, point.harm, point.level) == (1, 1, 3)


def test_reimporting_the_same_version_after_a_switch_to_5x5_changes_nothing(world, packs):
    """The library page promises it; before, points whose scores the switch had rescaled were
    'updated' again (a different rescaling) and changed level."""
    org = world.hospital
    import_pack(world, packs, tiny_pack())
    services.scheme_switch_to_matrix(actor=world.users["integrity"], organisation=org, size=5)
    before = {
        p.pk: (p.likelihood, p.harm, p.level) for p in RiskPoint.objects.filter(organisation=org)
    }
    events = RiskPointEvent.objects.count()
    report = import_pack(world, packs, tiny_pack())
    after = {
        p.pk: (p.likelihood, p.harm, p.level) for p in RiskPoint.objects.filter(organisation=org)
    }
    assert after == before
    assert report.risk_points.updated == 0 and not report.changed
    assert RiskPointEvent.objects.count() == events
