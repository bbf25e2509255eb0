"""`lianfang library list` and `lianfang library import`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lianfang.core.models import AuditEvent
from lianfang.org.models import Power
from lianfang.risks import library_import
from lianfang.risks.models import RiskPoint
from tests.risks.library_packs import generated_pack, tiny_pack, write_pack


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setattr(library_import, "PACKS_DIRECTORY", tmp_path)
    write_pack(tmp_path, tiny_pack())
    write_pack(tmp_path, generated_pack(7))
    return tmp_path


def library(*args):
    out = StringIO()
    call_command("library", *args, stdout=out)
    return out.getvalue()


def test_list_prints_a_row_per_pack(db, packs):
    lines = library("list").splitlines()
    assert lines[0].split() == ["代码", "标识", "版本", "名称", "权力事项", "风险点", "防控措施"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["tiny"] == ["tiny", "urn:lianfang:library:tiny", "1", "测试标准库", "4", "4", "3"]
    assert rows["bulk"][-3:] == ["1", "7", "7"]


def test_list_shows_the_shipped_packs(db):
    output = library("list")
    assert "hospital" in output
    assert "公立医院廉政风险标准库" in output


def test_import_prints_the_report_and_is_idempotent(world, packs):
    output = library("import", "tiny", "--org", "H1", "--user", "integrity")
    assert "标准库「测试标准库」第 1 版 → 示例市人民医院" in output
    assert "权力事项：新增 4，更新 0，保留本地修改 0，未变 0" in output
    assert "风险点：新增 5，更新 0，保留本地修改 0，未变 0" in output
    assert AuditEvent.objects.filter(actor_label="integrity").exists()

    again = library("import", "tiny", "--org", str(world.hospital.pk))
    assert "风险点：新增 0，更新 0，保留本地修改 0，未变 5" in again
    assert "没有需要更新的内容。" in again
    assert RiskPoint.objects.count() == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "tiny", "--org", "NOPE"], "找不到编码为「NOPE」的单位"),
        (["import", "nope", "--org", "H1"], "找不到标准库「nope」"),
        (["import", "tiny", "--org", "H1", "--user", "ghost"], "找不到用户「ghost」"),
    ],
)
def test_errors_exit_non_zero_in_chinese(world, packs, args, message):
    with pytest.raises(CommandError, match=message) as caught:
        library(*args)
    assert caught.value.returncode == 1
    assert not Power.objects.exists()


def test_a_broken_pack_lists_every_error(world, packs):
    broken = tiny_pack()
    broken["version"] = 0
    broken["risk_points"][0]["likelihood"] = 9
    write_pack(packs, broken)
    with pytest.raises(CommandError) as caught:
        library("import", "tiny", "--org", "H1")
    message = str(caught.value)
    assert "标准库「tiny」有 2 处错误，未导入任何数据" in message
    assert "版本号须为正整数" in message
    assert "可能性须为 1 到 5 的整数，现为 9" in message
    assert not Power.objects.exists()
