"""core.bulk.update_rows: one parameterised UPDATE per row, values as save() would write them."""

import datetime as dt

import pytest

from lianfang.core import bulk
from lianfang.org.models import Post
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_power, make_risk_point


def test_update_rows_writes_the_named_fields_of_each_row(world):
    power = make_power(world.hospital)
    first = make_risk_point(power=power, department=world.cardiology, name="甲")
    second = make_risk_point(power=power, department=world.cardiology, name="乙")
    post = Post.objects.filter(department=world.cardiology).first()
    first.name, first.review_due, first.post = "甲（改）", dt.date(2027, 1, 5), post
    second.name, second.review_due = "乙（改）", None
    second.harm = 1  # not among the fields written
    assert bulk.update_rows([first, second], ["name", "review_due", "post"]) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, first.review_due, first.post_id) == (
        "甲（改）",
        dt.date(2027, 1, 5),
        post.pk,
    )
    assert (second.name, second.review_due, second.post_id) == ("乙（改）", None, None)
    assert second.harm != 1


@pytest.mark.django_db
def test_update_rows_with_nothing_to_write_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk.update_rows([], ["name"]) == 0


def test_update_rows_refuses_the_primary_key(world):
    point = make_risk_point(power=make_power(world.hospital), department=world.cardiology)
    with pytest.raises(ValueError):
        bulk.update_rows([point], ["id"])
    assert RiskPoint.objects.filter(pk=point.pk).exists()
