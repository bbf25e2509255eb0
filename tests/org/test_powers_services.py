import pytest
from django.core.exceptions import ValidationError

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org import power_services as services
from lianfang.org.models import Post, Power, PowerStep
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.django_db


def _messages(excinfo):
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return " ".join(m for ms in error.message_dict.values() for m in ms)
    return " ".join(error.messages)


@pytest.fixture
def buyer_post():
    return Post.objects.get(code="P-CGY")


def _create(world, **data):
    base = {"code": "CG-01", "name": "药品耗材采购", "category": Power.Category.PROCUREMENT}
    return services.power_create(
        actor=world.users["integrity"], organisation=world.hospital, data={**base, **data}
    )


def test_power_create_saves_posts_and_audits(world, buyer_post):
    power = _create(
        world,
        basis="《政府采购法》第二十四条",
        department=world.procurement,
        posts=[buyer_post],
        duties="组织采购",
        time_limit_days=30,
        is_public=False,
    )
    assert list(power.posts.all()) == [buyer_post]
    assert (power.department, power.time_limit_days, power.is_public) == (
        world.procurement,
        30,
        False,
    )
    event = AuditEvent.objects.get(action="power.create")
    assert event.object_id == str(power.pk)
    assert event.after["code"] == "CG-01"
    assert event.after["post_ids"] == [buyer_post.pk]
    assert event.organisation_id == world.hospital.pk
    assert audit.verify().ok


def test_code_is_unique_within_the_organisation_only(world):
    _create(world)
    with pytest.raises(ValidationError) as excinfo:
        _create(world, name="另一项")
    assert "本单位已有编码为“CG-01”的权力事项" in _messages(excinfo)
    other = services.power_create(
        actor=world.users["commission_integrity"],
        organisation=world.other_hospital,
        data={"code": "CG-01", "name": "药品耗材采购"},
    )
    assert other.organisation == world.other_hospital


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"code": ""}, "code", "请填写编码"),
        ({"name": "  "}, "name", "请填写权力名称"),
        ({"category": "nonsense"}, "category", "请选择有效的权力类别"),
        ({"time_limit_days": 0}, "time_limit_days", "期限须为 1 至"),
    ],
)
def test_power_validation_is_in_chinese(world, data, field, message):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, **data)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert not Power.objects.exists()


def test_department_and_posts_must_be_the_organisations_own(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, department=world.surgery_b)
    assert "承办部门须为本单位的科室" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        _create(world, posts=[Post.objects.get(code="P-YS")])
    assert "承办岗位须为本单位的岗位：医师" in _messages(excinfo)
    assert not Power.objects.exists()


def test_power_update_replaces_posts_and_records_before_and_after(world, buyer_post):
    power = _create(world, posts=[buyer_post])
    head = Post.objects.get(code="P-KZR")
    services.power_update(
        actor=world.users["integrity"],
        power=power,
        data={"name": "药品采购", "posts": [head], "organisation": world.other_hospital},
    )
    power.refresh_from_db()
    assert power.name == "药品采购"
    assert power.organisation == world.hospital  # not editable
    assert list(power.posts.all()) == [head]
    event = AuditEvent.objects.get(action="power.update")
    assert event.before == {"name": "药品耗材采购", "post_ids": [buyer_post.pk]}
    assert event.after == {"name": "药品采购", "post_ids": [head.pk]}


def test_power_update_refuses_a_duplicate_code(world):
    _create(world)
    second = _create(world, code="CG-02")
    with pytest.raises(ValidationError):
        services.power_update(actor=world.users["integrity"], power=second, data={"code": "CG-01"})
    second.refresh_from_db()
    assert second.code == "CG-02"


# Steps ----------------------------------------------------------------------------------------


def test_step_add_goes_last_with_a_key_made_from_its_order(world, buyer_post):
    power = _create(world)
    actor = world.users["integrity"]
    first = services.power_step_add(actor=actor, power=power, data={"name": "提出需求"})
    second = services.power_step_add(
        actor=actor,
        power=power,
        data={"name": "供应商遴选", "is_control_point": True, "post": buyer_post},
    )
    assert (first.order, first.key) == (1, "step-1")
    assert (second.order, second.key, second.is_control_point) == (2, "step-2", True)
    # a key already taken by the generated name gets a suffix
    services.power_step_update(actor=actor, step=first, data={"key": "step-3"})
    third = services.power_step_add(actor=actor, power=power, data={"name": "验收"})
    assert (third.order, third.key) == (3, "step-3-2")
    event = AuditEvent.objects.filter(action="power_step.create").order_by("seq").last()
    assert event.object_repr == "药品耗材采购 · 验收"
    assert event.organisation_id == world.hospital.pk


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": ""}, "name", "请填写环节名称"),
        ({"name": "审核", "key": "审核"}, "key", "环节代码只能包含"),
        ({"name": "审核", "key": "plan"}, "key", "已有代码为“plan”的环节"),
        ({"name": "审核", "time_limit_days": 0}, "time_limit_days", "期限须为"),
    ],
)
def test_step_validation(world, data, field, message):
    power = make_power(world.hospital, steps=[("plan", "计划")])
    with pytest.raises(ValidationError) as excinfo:
        services.power_step_add(actor=world.users["integrity"], power=power, data=data)
    assert message in " ".join(excinfo.value.message_dict[field])
    assert power.steps.count() == 1


def test_step_post_must_belong_to_the_organisation(world):
    power = make_power(world.hospital)
    with pytest.raises(ValidationError) as excinfo:
        services.power_step_add(
            actor=world.users["integrity"],
            power=power,
            data={"name": "审核", "post": Post.objects.get(code="P-YS")},
        )
    assert "办理岗位须为本单位的岗位" in _messages(excinfo)


def test_step_update_keeps_the_key_when_emptied(world):
    power = make_power(world.hospital, steps=[("plan", "计划")])
    step = power.steps.get()
    services.power_step_update(
        actor=world.users["integrity"], step=step, data={"key": "", "name": "编制计划"}
    )
    step.refresh_from_db()
    assert (step.key, step.name) == ("plan", "编制计划")
    event = AuditEvent.objects.get(action="power_step.update")
    assert event.before == {"name": "计划"} and event.after == {"name": "编制计划"}


def test_removing_a_step_with_risk_points_is_refused(world):
    power = make_power(world.hospital, steps=["受理", "审批"])
    used, free = power.steps.order_by("order")
    make_risk_point(power=power, step=used)
    with pytest.raises(ValidationError) as excinfo:
        services.power_step_remove(actor=world.users["integrity"], step=used)
    assert "环节“受理”上有 1 个风险点，不能删除" in _messages(excinfo)
    assert PowerStep.objects.filter(pk=used.pk).exists()
    assert not AuditEvent.objects.filter(action="power_step.delete").exists()
    services.power_step_remove(actor=world.users["integrity"], step=free)
    assert not PowerStep.objects.filter(pk=free.pk).exists()
    event = AuditEvent.objects.get(action="power_step.delete")
    assert event.before["name"] == "审批" and event.object_id == str(free.pk)
    assert audit.verify().ok


def test_reorder_numbers_the_steps_and_audits_only_moves(world):
    power = make_power(world.hospital, steps=["a", "b", "c"])
    a, b, c = power.steps.order_by("order")
    services.power_step_reorder(
        actor=world.users["integrity"], power=power, step_ids=[a.pk, c.pk, b.pk]
    )
    assert list(power.steps.order_by("order").values_list("name", "order")) == [
        ("a", 1),
        ("c", 2),
        ("b", 3),
    ]
    assert AuditEvent.objects.filter(action="power_step.update").count() == 2


@pytest.mark.parametrize("kind", ["missing", "duplicate", "foreign"])
def test_reorder_refuses_a_list_that_is_not_the_powers_steps(world, kind):
    power = make_power(world.hospital, steps=["a", "b"])
    other = make_power(world.hospital, steps=["x"])
    a, b = power.steps.order_by("order")
    ids = {
        "missing": [a.pk],
        "duplicate": [a.pk, a.pk, b.pk],
        "foreign": [a.pk, b.pk, other.steps.get().pk],
    }[kind]
    with pytest.raises(ValidationError) as excinfo:
        services.power_step_reorder(actor=world.users["integrity"], power=power, step_ids=ids)
    assert "环节顺序无效" in _messages(excinfo)
    assert list(power.steps.order_by("order").values_list("name", flat=True)) == ["a", "b"]
