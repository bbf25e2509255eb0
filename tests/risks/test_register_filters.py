"""The register's post filter: grouped by department and named with it, narrowed to the
chosen department, and never two options that read the same."""

import pytest
from django.urls import reverse

from lianfang.org.models import Post
from lianfang.risks.register_forms import RegisterFilterForm
from tests.risks.register_data import build_register

pytestmark = pytest.mark.django_db


def post_options(form) -> list[tuple[str, list]]:
    """(group, [labels]) per optgroup of the post filter; group "" for options outside one."""
    groups = []
    for value, label in form.fields["post"].choices:
        if isinstance(label, list):
            groups.append((value, [text for _pk, text in label]))
        elif value != "":
            groups.append(("", [label]))
    return groups


def all_labels(form) -> list[str]:
    return [label for _group, labels in post_options(form) for label in labels]


@pytest.fixture
def twins(world):
    """A second 主治医师 in 心内科 (another code), and a 主治医师 of 采购中心."""
    Post.objects.create(
        organisation=world.hospital, department=world.cardiology, name="主治医师", code="P-ZZYS2"
    )
    Post.objects.create(
        organisation=world.hospital, department=world.procurement, name="主治医师", code="P-X"
    )


def test_without_a_department_posts_are_grouped_and_named_with_it(world, twins):
    form = RegisterFilterForm({}, user=world.users["integrity"])
    groups = dict(post_options(form))
    assert set(groups) == {"单位岗位", "心内科", "采购中心"}
    assert groups["单位岗位"] == ["副院长"]
    assert "主治医师（采购中心）" in groups["采购中心"]
    assert "科主任（心内科）" in groups["心内科"]
    # two 主治医师 of 心内科 read apart by their codes
    assert {"主治医师（心内科）（P-ZZYS）", "主治医师（心内科）（P-ZZYS2）"} <= set(
        groups["心内科"]
    )
    labels = all_labels(form)
    assert (
        len(labels) == len(set(labels)) == Post.objects.filter(organisation=world.hospital).count()
    )


def test_a_chosen_department_narrows_the_posts_to_its_own(world, twins):
    form = RegisterFilterForm({"department": world.cardiology.pk}, user=world.users["integrity"])
    groups = post_options(form)
    assert [group for group, _labels in groups] == [""] * len(groups)  # no groups: one department
    assert sorted(all_labels(form)) == sorted(
        ["科主任", "主治医师（P-ZZYS）", "主治医师（P-ZZYS2）"]
    )


def test_a_post_of_another_department_is_dropped_not_an_error(world, login):
    register = build_register(world)
    client = login(world.users["integrity"])
    response = client.get(
        reverse("risks:register"),
        {"department": world.cardiology.pk, "post": register.buyer.post_id},
    )
    assert response.status_code == 200
    assert response.context["filters"].values["department"] == world.cardiology
    assert "post" not in response.context["filters"].values
    page = response.content.decode()
    assert "开大处方收取回扣" in page and "供应商遴选中透露标底" not in page


def test_the_filter_page_renders_the_groups(world, twins, login):
    page = login(world.users["integrity"]).get(reverse("risks:register")).content.decode()
    assert '<optgroup label="心内科">' in page
    assert ">主治医师（采购中心）</option>" in page
