import pytest
from django.core.management import call_command

from lianfang.core.models import AuditEvent
from lianfang.satisfaction import questionnaires
from lianfang.satisfaction.models import Dimension, Questionnaire

pytestmark = pytest.mark.django_db


def test_the_standard_questionnaire_is_imported_once_per_organisation(world):
    q, created = questionnaires.questionnaire_import(actor=None, organisation=world.hospital)
    assert created and q.active and q.version == 1 and q.code == "hospital"
    items = list(q.items.all())
    assert len(items) == 10
    assert {i.dimension for i in items} == set(Dimension.values)
    again, created = questionnaires.questionnaire_import(actor=None, organisation=world.hospital)
    assert not created and again == q
    assert Questionnaire.objects.filter(organisation=world.hospital).count() == 1
    assert AuditEvent.objects.filter(action="satisfaction.questionnaire.import").count() == 1
    other, created = questionnaires.questionnaire_import(
        actor=None, organisation=world.other_hospital
    )
    assert created and other.pk != q.pk


def test_a_new_version_takes_over_and_the_old_one_stays(world, monkeypatch):
    old, _ = questionnaires.questionnaire_import(actor=None, organisation=world.hospital)
    real = questionnaires.load_pack

    def next_version(key):
        pack = real(key)
        return questionnaires.Pack(**{**pack.__dict__, "version": 2, "items": pack.items[:4]})

    monkeypatch.setattr(questionnaires, "load_pack", next_version)
    new, created = questionnaires.questionnaire_import(actor=None, organisation=world.hospital)
    old.refresh_from_db()
    assert created and new.version == 2 and new.active and not old.active
    assert old.items.count() == 10 and new.items.count() == 4
    assert questionnaires.questionnaire_current(world.hospital) == new


def test_an_unknown_pack_is_refused_in_chinese(world):
    with pytest.raises(Exception, match="没有名为"):
        questionnaires.questionnaire_import(actor=None, organisation=world.hospital, pack="x")


def test_the_command_imports_and_repeats_harmlessly(world, capsys):
    call_command("satisfaction", "import", "--org", "H1")
    call_command("satisfaction", "import", "--org", "H1")
    out = capsys.readouterr().out
    assert "已导入" in out and "已存在" in out
    assert Questionnaire.objects.filter(organisation=world.hospital).count() == 1
