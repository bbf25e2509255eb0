"""Form fields: amounts in the ways people write them, and a Chinese message per bad field."""

from decimal import Decimal

import pytest

from lianfang.flows import fields
from lianfang.flows.fields import FieldErrors


@pytest.mark.parametrize(
    "text,expected",
    [
        ("150000", "150000.00"),
        ("15万", "150000.00"),
        ("1.5万元", "15000.00"),
        ("150,000元", "150000.00"),
        ("１５００００", "150000.00"),
        ("１５万", "150000.00"),
        ("¥150,000.50", "150000.50"),
        ("￥ 3,000", "3000.00"),
        (150000, "150000.00"),
        (Decimal("12.3"), "12.30"),
        (99.99, "99.99"),
    ],
)
def test_amounts(text, expected):
    assert fields.parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["abc", "-5", "1.234", "15万万", "", "1e5", "NaN", True, "9" * 20, "1,,0元x"]
)
def test_bad_amounts(text):
    with pytest.raises(ValueError) as caught:
        fields.parse_amount(text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(caught.value))


FORM = [
    {"name": "item", "label": "物品", "type": "text", "required": True},
    {"name": "note", "label": "说明", "type": "textarea", "required": False},
    {"name": "amount", "label": "金额", "type": "amount", "required": True},
    {"name": "days", "label": "天数", "type": "integer", "required": False},
    {"name": "on", "label": "日期", "type": "date", "required": False},
    {"name": "method", "label": "方式", "type": "choice", "options": ["询价", "公开招标"]},
    {"name": "urgent", "label": "加急", "type": "boolean"},
    {"name": "supplier", "label": "供应商", "type": "supplier"},
    {"name": "who", "label": "当事人", "type": "person"},
    {"name": "dept", "label": "科室", "type": "department"},
    {"name": "scan", "label": "扫描件", "type": "attachment", "required": True},
]


def test_clean_stores_json_values(world):
    cleaned = fields.clean(
        FORM,
        {
            "item": " 监护仪 ",
            "amount": "15万",
            "days": "３",
            "on": "2026年3月1日",
            "method": "询价",
            "urgent": "是",
            "supplier": "某某医疗器械有限公司",
            "who": "0102",
            "dept": world.cardiology.pk,
        },
        organisation=world.hospital,
    )
    assert cleaned == {
        "item": "监护仪",
        "note": None,
        "amount": "150000.00",
        "days": 3,
        "on": "2026-03-01",
        "method": "询价",
        "urgent": True,
        "supplier": "某某医疗器械有限公司",
        "who": world.staff_person.pk,
        "dept": world.cardiology.pk,
    }
    typed = fields.typed(FORM, cleaned)
    assert typed["amount"] == Decimal("150000.00")


def test_every_bad_field_is_named(world):
    with pytest.raises(FieldErrors) as caught:
        fields.clean(
            FORM,
            {
                "amount": "很多",
                "days": "3.5",
                "on": "2026-13-40",
                "method": "抽签",
                "urgent": "maybe",
                "who": "9001",  # of the other hospital
                "dept": "nope",
                "note": "x" * 6000,
                "extra": 1,
            },
            organisation=world.hospital,
        )
    errors = caught.value.errors
    assert errors["item"] == "请填写物品"
    assert errors["amount"].startswith("金额：")
    assert "不是整数" in errors["days"]
    assert "不是有效的日期" in errors["on"]
    assert "不在可选范围内" in errors["method"]
    assert "是或否" in errors["urgent"]
    assert "找不到人员“9001”" in errors["who"]
    assert "找不到科室" in errors["dept"]
    assert "不能超过 5000 个字" in errors["note"]
    assert "表单中没有字段“extra”" in errors["extra"]


def test_partial_leaves_absent_fields(world):
    assert fields.clean(FORM, {"days": 2}, partial=True) == {"days": 2}


def test_odd_digits_and_nul_in_lookups(world):
    person = [{"name": "who", "label": "当事人", "type": "person"}]
    for value in ("²", "a\x00", "\ud800", "9" * 30):
        with pytest.raises(FieldErrors):
            fields.clean(person, {"who": value}, organisation=world.hospital)


def test_control_characters_refused():
    with pytest.raises(FieldErrors) as caught:
        fields.clean(FORM[:1], {"item": "a\x00b"})
    assert "控制字符" in caught.value.errors["item"]
