"""Any JSON-able before/after survives the database: the stored event rehashes to its hash."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from tests.core.test_audit_batch import reference_hash

# PostgreSQL refuses NUL and lone surrogates in text and jsonb: no stored value holds them.
plain_text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20
)
chinese = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=12)
keys = plain_text | chinese | st.sampled_from(["name", "科室", "负责人", "rotation_years"])
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | plain_text
    | chinese
    | st.sampled_from(["采购中心", "心内科", "廉政风险点", "“提示”"])
)


def json_values(leaf):
    return st.recursive(
        leaf,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=12,
    )


def snapshots(leaf):
    return st.none() | st.dictionaries(keys, json_values(leaf), max_size=6)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def record_and_reload(before, after):
    with transaction.atomic():
        recorded = audit.record(
            actor="属性测试",
            action="thing.update",
            object_type="test.thing",
            object_id="1",
            object_repr="测试对象",
            before=before,
            after=after,
        )
    return recorded, AuditEvent.objects.get(pk=recorded.pk)


@pytest.mark.django_db
@SETTINGS
@given(before=snapshots(leaves), after=snapshots(leaves))
def test_round_trip_through_the_database_is_exact(before, after):
    recorded, stored = record_and_reload(before, after)
    expected_before, expected_after = audit.diff(before, after)
    assert stored.before == expected_before
    assert stored.after == expected_after
    assert audit.compute_hash(stored) == stored.hash == recorded.hash == reference_hash(stored)
    assert audit.verify().ok


@pytest.mark.django_db
@SETTINGS
@given(before=snapshots(leaves | st.floats()), after=snapshots(leaves | st.floats()))
def test_floats_rehash_after_the_round_trip(before, after):
    """jsonb turns 1e+16 into 10000000000000000 and drops -0.0; the hash must not care."""
    recorded, stored = record_and_reload(before, after)
    assert audit.canonical(stored) == audit.canonical(recorded)
    assert audit.compute_hash(stored) == stored.hash == reference_hash(stored)
    assert audit.verify().ok
