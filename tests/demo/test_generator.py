import random

import pytest

from lianfang.demo.generator import apportion, build_hospital, chinese_number, hospital_name
from lianfang.org.models import Organisation


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (99, "九十九")]
)
def test_chinese_number(n, text):
    assert chinese_number(n) == text


def test_hospital_names():
    assert hospital_name(1) == "示例市人民医院"
    assert hospital_name(2) == "示例市第二人民医院"
    assert hospital_name(20) == "示例市第二十人民医院"


def test_apportion_keeps_minimums_and_total():
    parts = apportion(100, [1.0, 3.0, 0.5], [10, 1, 5])
    assert sum(parts) == 100
    assert parts[0] >= 10 and parts[2] >= 5 and parts[1] > parts[0]
    with pytest.raises(ValueError):
        apportion(3, [1.0], [5])


def roster(seed, index=1):
    rows = build_hospital(Organisation(name="x", code="x"), seed=seed, index=index)
    return [(p.staff_no, p.name, p.gender, p.title, p.phone) for p in rows.people]


def test_generation_depends_only_on_seed_and_hospital_number():
    first = roster(3)
    random.seed(12345)  # the global generator must play no part
    assert roster(3) == first
    assert roster(4) != first
    assert roster(3, index=2) != first
