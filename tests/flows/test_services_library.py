"""Importing shipped flow definitions per organisation, idempotently, all or nothing."""

import shutil

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from lianfang.core.models import AuditEvent
from lianfang.flows import library
from lianfang.flows.models import FlowDefinition, FlowVersion
from lianfang.org.models import Power

from .flowkit import DATA

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path):
    for name in ("test_purchase", "test_leave"):
        shutil.copy(DATA / f"{name}.bpmn", tmp_path / f"{name}.bpmn")
    return tmp_path


def test_imports_idempotently_per_organisation(world, folder):
    first = library.flows_import(actor=None, organisation=world.hospital, directory=folder)
    assert sorted(first.published) == [("test_leave", 1), ("test_purchase", 1)]
    again = library.flows_import(actor=None, organisation=world.hospital, directory=folder)
    assert again.published == [] and sorted(again.unchanged) == ["test_leave", "test_purchase"]
    assert FlowVersion.objects.count() == 2
    other = library.flows_import(
        actor=None, organisation=world.other_hospital, directory=folder, codes=["test_leave"]
    )
    assert other.published == [("test_leave", 1)]
    assert AuditEvent.objects.filter(action="flow_definition.import").count() == 3

    path = folder / "test_leave.bpmn"
    path.write_text(path.read_text(encoding="utf-8").replace("科室审核", "科主任审核"), "utf-8")
    changed = library.flows_import(actor=None, organisation=world.hospital, directory=folder)
    assert changed.published == [("test_leave", 2)]


def test_power_codes_link_when_the_catalogue_has_them(world, folder):
    path = folder / "test_purchase.bpmn"
    text = path.read_text(encoding="utf-8").replace(
        'isExecutable="true">', 'isExecutable="true" lianfang:power="YY-CG-01">'
    )
    path.write_text(text, encoding="utf-8")
    result = library.flows_import(actor=None, organisation=world.hospital, directory=folder)
    assert "test_purchase" in result.unlinked  # no such power yet: imported, unlinked
    assert FlowDefinition.objects.get(code="test_purchase").power is None
    power = Power.objects.create(organisation=world.other_hospital, code="YY-CG-01", name="采购")
    library.flows_import(actor=None, organisation=world.other_hospital, directory=folder)
    linked = FlowDefinition.objects.get(organisation=world.other_hospital, code="test_purchase")
    assert linked.power == power


def test_one_bad_file_imports_nothing(world, folder):
    (folder / "broken.bpmn").write_text("<bpmn:definitions", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        library.flows_import(actor=None, organisation=world.hospital, directory=folder)
    assert any(m.startswith("broken.bpmn") for m in caught.value.messages)
    assert not FlowDefinition.objects.exists()
    with pytest.raises(ValidationError):
        library.flows_import(
            actor=None, organisation=world.hospital, directory=folder, codes=["nope"]
        )


def test_the_file_name_is_the_code(world, folder):
    shutil.copy(folder / "test_leave.bpmn", folder / "renamed.bpmn")
    with pytest.raises(ValidationError) as caught:
        library.flows_import(
            actor=None, organisation=world.hospital, directory=folder, codes=["renamed"]
        )
    assert "须与文件名相同" in caught.value.messages[0]


def test_the_command(world, folder, capsys):
    call_command("flows", "import", "H1", "--dir", str(folder))
    out = capsys.readouterr().out
    assert "发布 test_purchase 第 1 版" in out and "共 2 个发布" in out
    call_command("flows", "import", "H1", "test_leave", "--dir", str(folder))
    assert "未变 test_leave" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("flows", "import", "NOPE", "--dir", str(folder))
    (folder / "broken.bpmn").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("flows", "import", "H2", "--dir", str(folder))
    assert "未作任何修改" in str(caught.value)
    assert not FlowDefinition.objects.filter(organisation=world.other_hospital).exists()
