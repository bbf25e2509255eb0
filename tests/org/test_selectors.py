import datetime as dt

import pytest

from lianfang.core.scoping import scope_of
from lianfang.org import selectors
from lianfang.org.models import Person, Post, PostAssignment
from tests.factories import make_person

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 15)


def overdue_names(user, today=TODAY):
    return sorted(a.person.name for a in selectors.rotation_overdue(user, today=today))


def test_rotation_overdue_lists_people_past_their_posts_period(world, django_assert_num_queries):
    # the world's buyer holds a key+sensitive post with a 3-year period since 2015
    user = world.users["integrity"]
    scope_of(user)  # the user's reach is computed once per request
    with django_assert_num_queries(1):
        rows = list(selectors.rotation_overdue(user, today=TODAY))
    assert [r.person.name for r in rows] == ["陈采购"]
    assert rows[0].post.rotation_years == 3


def test_rotation_overdue_boundary_and_flags(world):
    buyer_post = Post.objects.get(code="P-CGY")
    PostAssignment.objects.filter(post=buyer_post).update(start=dt.date(2022, 6, 15))
    user = world.users["integrity"]
    # exactly three years is not longer than three years; the day after is
    assert overdue_names(user, dt.date(2025, 6, 15)) == []
    assert overdue_names(user, dt.date(2025, 6, 16)) == ["陈采购"]
    assert overdue_names(user, dt.date(2026, 1, 1)) == ["陈采购"]
    # a post that is neither key nor sensitive is never a rotation case
    Post.objects.filter(pk=buyer_post.pk).update(is_key=False, is_sensitive=False)
    assert overdue_names(user, dt.date(2030, 1, 1)) == []
    # sensitive alone is enough
    Post.objects.filter(pk=buyer_post.pk).update(is_sensitive=True)
    assert overdue_names(user, dt.date(2030, 1, 1)) == ["陈采购"]
    # no rotation period set: no reminder
    Post.objects.filter(pk=buyer_post.pk).update(rotation_years=None)
    assert overdue_names(user, dt.date(2030, 1, 1)) == []


def test_rotation_overdue_ignores_closed_and_inactive_and_respects_scope(world):
    buyer_post = Post.objects.get(code="P-CGY")
    second = make_person(
        world.hospital, world.procurement, "0202", "刘采购", buyer_post, dt.date(2024, 1, 1)
    )
    assert overdue_names(world.users["integrity"]) == ["陈采购"]  # 刘 is within the period
    PostAssignment.objects.filter(person=second).update(start=dt.date(2010, 1, 1))
    assert overdue_names(world.users["integrity"]) == ["刘采购", "陈采购"]
    PostAssignment.objects.filter(person=second).update(end=dt.date(2014, 1, 1))
    Person.objects.filter(pk=world.procurement_person.pk).update(active=False)
    assert overdue_names(world.users["integrity"]) == []
    Person.objects.filter(pk=world.procurement_person.pk).update(active=True)
    # the commission sees its hospitals; the other hospital's staff and ordinary staff do not
    assert overdue_names(world.users["commission_integrity"]) == ["陈采购"]
    assert overdue_names(world.users["outsider"]) == []
    assert overdue_names(world.users["staff"]) == []
    # the leader in charge of procurement sees it
    assert overdue_names(world.users["leader"]) == ["陈采购"]


def test_rotation_due_date_handles_29_february():
    assert selectors.rotation_due_date(dt.date(2020, 2, 29), 3) == dt.date(2023, 2, 28)
    assert selectors.rotation_due_date(dt.date(2020, 3, 1), 4) == dt.date(2024, 3, 1)


def test_person_list_filters(world):
    user = world.users["integrity"]

    def names(**filters):
        return sorted(p.name for p in selectors.person_list(user=user, filters=filters))

    assert names(q="张") == ["张医生"]
    assert names(q="0201") == ["陈采购"]
    assert names(department=world.cardiology) == ["张医生", "李主任", "赵医生"]
    assert names(post=Post.objects.get(code="P-ZZYS")) == ["张医生", "赵医生"]
    assert names(post_flag="sensitive") == ["陈采购"]
    assert names(post_flag="key") == ["李主任", "王副院长", "陈采购"]
    assert names(post_flag="key_or_sensitive") == ["李主任", "王副院长", "陈采购"]
    Person.objects.filter(pk=world.leader_person.pk).update(is_leader=True)
    assert names(leader=True) == ["王副院长"]
    # a closed assignment does not count as holding the post
    PostAssignment.objects.filter(person=world.head_person).update(end=dt.date(2024, 1, 1))
    assert "李主任" not in names(post_flag="key")


def test_person_list_is_scoped(world):
    def names(user):
        return sorted(p.name for p in selectors.person_list(user=user))

    assert names(world.users["staff"]) == ["张医生"]
    assert "外院医生" not in names(world.users["integrity"])
    assert "外院医生" in names(world.users["commission_integrity"])
    assert names(world.users["dept_head"]) == ["张医生", "李主任", "赵医生"]


def test_current_posts_attached_in_one_query(world, django_assert_num_queries):
    people = list(Person.objects.all())
    with django_assert_num_queries(1):
        selectors.attach_current_posts(people)
        posts = {p.name: p.current.post.name for p in people if p.current}
    assert posts["张医生"] == "主治医师"


def test_organisation_tree_is_depth_first_with_counts(world):
    nodes = selectors.organisation_tree(user=world.users["commission_integrity"])
    assert [(n.organisation.name, n.level) for n in nodes] == [
        ("示例市卫生健康委员会", 0),
        ("示例市人民医院", 1),
        ("示例市第二医院", 1),
    ]
    hospital = nodes[1].organisation
    assert (hospital.department_count, hospital.post_count, hospital.people_count) == (3, 4, 5)
    # searching keeps the ancestors as context
    found = selectors.organisation_tree(
        user=world.users["commission_integrity"], filters={"q": "第二"}
    )
    assert [(n.organisation.name, n.matched) for n in found] == [
        ("示例市卫生健康委员会", False),
        ("示例市第二医院", True),
    ]
    # a hospital's integrity office sees its own hospital as the root
    own = selectors.organisation_tree(user=world.users["integrity"])
    assert [(n.organisation.name, n.level) for n in own] == [("示例市人民医院", 0)]


def test_manageable_querysets_follow_privileged_subtrees(world):
    assert list(selectors.organisations_manageable_by(world.users["integrity"])) == [world.hospital]
    assert not selectors.organisations_manageable_by(world.users["leader"]).exists()
    assert not selectors.people_manageable_by(world.users["staff"]).exists()
    assert selectors.can_manage(world.users["integrity"], world.hospital)
    assert not selectors.can_manage(world.users["integrity"], world.other_hospital)
    # the commission reads its hospitals and writes them only when granted 下级单位可写
    assert not selectors.can_manage(world.users["commission_integrity"], world.other_hospital)
    assert selectors.can_manage(world.users["commission_integrity"], world.commission)
