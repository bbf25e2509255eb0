"""A higher level supervises read-only (上级只读): a grant writes its own node; the units below
only when the grant says 下级单位可写 (`RoleGrant.subordinates_writable`). One rule,
`core.scoping.write_reach`, read by org, risks, reviews, core's settings and accounts."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse

from lianfang.accounts.models import RoleGrant
from lianfang.core import selectors as core_selectors
from lianfang.core import services as core_services
from lianfang.core.models import Module
from lianfang.core.roles import Role
from lianfang.core.scoping import Reach, write_reach
from lianfang.org import selectors
from lianfang.org.models import Department, Organisation
from lianfang.reviews import chain
from lianfang.risks import permissions
from tests.factories import make_org, make_user, writes_below
from tests.risks.factories import make_risk_point

pytestmark = pytest.mark.django_db


class Grant:
    def __init__(self, role, path, below=False):
        self.role, self.subordinates_writable = role, below
        self.organisation = type("Node", (), {"path": path})()


def test_the_rule():
    reach = write_reach(
        [
            Grant(Role.INTEGRITY, "/1/"),  # a commission: its own node
            Grant(Role.ADMIN, "/1/2/", below=True),  # a hospital and its units
            Grant(Role.ADMIN, "/1/2/5/"),  # covered by the one above
            Grant(Role.STAFF, "/1/3/", below=True),  # not a role of `roles`
        ],
        Role.PRIVILEGED,
    )
    assert reach == Reach(subtrees=("/1/2/",), nodes=("/1/",))
    assert reach.covers("/1/") and reach.covers("/1/2/") and reach.covers("/1/2/5/")
    assert not reach.covers("/1/3/") and not reach.covers("/7/")
    assert not Reach() and reach
    assert write_reach([Grant(Role.LEADER, "/1/", below=True)], Role.PRIVILEGED) == Reach()


def test_the_querysets_follow_the_rule(world):
    branch = make_org("示例市人民医院分院", "H1-B", world.hospital)
    reach = write_reach(RoleGrant.objects.filter(user=world.users["admin"]), (Role.ADMIN,))
    assert set(Organisation.objects.filter(reach.q("path"))) == {world.hospital}
    assert not Organisation.objects.filter(Q(pk=branch.pk) & reach.q("path")).exists()


@pytest.fixture
def officer(world):
    """The commission's integrity officer (卫健委纪检监察), granted on the commission only."""
    return world.users["commission_integrity"]


def test_the_commission_reads_its_hospitals_and_writes_only_itself(world, officer):
    point = make_risk_point(department=world.cardiology, name="上级只读的风险点")
    # reads: the hospital, its departments and its register
    assert selectors.organisations_visible_to(officer).filter(pk=world.hospital.pk).exists()
    assert selectors.organisations_supervised_by(officer).filter(pk=world.hospital.pk).exists()
    # writes: the commission only
    assert selectors.can_manage(officer, world.commission)
    assert not selectors.can_manage(officer, world.hospital)
    assert list(selectors.organisations_manageable_by(officer)) == [world.commission]
    assert not selectors.departments_manageable_by(officer).exists()
    assert not selectors.people_manageable_by(officer).exists()
    assert not permissions.may(officer, permissions.EDIT, point)
    assert not permissions.may(officer, permissions.FILE_DIRECTLY, point)
    assert not chain.is_office_for(officer, world.hospital)
    assert chain.is_office_for(officer, world.commission)
    # granted 下级单位可写, the same officer writes the hospital too
    writes_below(officer)
    assert selectors.can_manage(officer, world.hospital)
    assert permissions.may(officer, permissions.EDIT, point)
    assert chain.is_office_for(officer, world.hospital)


def test_the_pages_answer_read_only(world, officer, login):
    client = login(officer)
    cardiology = world.cardiology
    assert client.get(reverse("org:department_detail", args=[cardiology.pk])).status_code == 200
    edit = reverse("org:department_edit", args=[cardiology.pk])
    assert client.get(edit).status_code == 404
    response = client.post(edit, {"name": "改名", "code": cardiology.code})
    assert response.status_code == 404
    assert Department.objects.get(pk=cardiology.pk).name == cardiology.name
    detail = client.get(reverse("org:department_detail", args=[cardiology.pk])).content.decode()
    assert edit not in detail  # no edit button either
    point = make_risk_point(department=cardiology, name="上级只读的风险点")
    assert client.get(reverse("risks:point_detail", args=[point.pk])).status_code == 200
    assert client.get(reverse("risks:point_edit", args=[point.pk])).status_code == 403
    # the home page's figures still cover the hospitals it supervises
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 200


def test_settings_of_units_below_need_the_grant(world, platform_admin):
    """Module settings and the working-day calendar follow the same rule."""
    commission_admin = make_user("wjw_admin", (Role.ADMIN, world.commission))
    risks = Module.objects.get(code="risks")
    with pytest.raises(PermissionDenied):
        core_services.module_settings_set(
            actor=commission_admin, organisation=world.hospital, choices={risks: False}
        )
    assert core_services.module_settings_set(
        actor=commission_admin, organisation=world.commission, choices={risks: False}
    )  # its own node: inherited by the hospitals below, which may switch it back on
    assert not core_selectors.administers(commission_admin, world.hospital)
    writes_below(commission_admin)
    assert core_selectors.administers(commission_admin, world.hospital)
    assert core_services.module_settings_set(
        actor=commission_admin, organisation=world.hospital, choices={risks: True}
    )
