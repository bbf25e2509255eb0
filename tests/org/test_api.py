import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lianfang.accounts.models import RoleGrant, User
from lianfang.core.roles import Role
from lianfang.org.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _client(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _client


def names(response):
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


def test_people_are_scoped(world, api):
    url = reverse("api-person-list")
    assert names(api(world.users["staff"]).get(url)) == ["张医生"]
    assert "外院医生" not in names(api(world.users["integrity"]).get(url))
    assert "外院医生" in names(api(world.users["commission_integrity"]).get(url))
    assert names(api(world.users["dept_head"]).get(url)) == ["张医生", "李主任", "赵医生"]


def test_outside_scope_is_404(world, api):
    staff = api(world.users["staff"])
    assert staff.get(reverse("api-person-detail", args=[world.staff_person.pk])).status_code == 200
    assert (
        staff.get(reverse("api-person-detail", args=[world.colleague_person.pk])).status_code == 404
    )
    integrity = api(world.users["integrity"])
    for name, pk in [
        ("api-department-detail", world.surgery_b.pk),
        ("api-organisation-detail", world.other_hospital.pk),
        ("api-post-detail", Post.objects.get(code="P-YS").pk),
        ("api-person-detail", world.other_person.pk),
    ]:
        assert integrity.get(reverse(name, args=[pk])).status_code == 404, name


def test_person_carries_current_post(world, api):
    response = api(world.users["integrity"]).get(
        reverse("api-person-detail", args=[world.procurement_person.pk])
    )
    data = response.json()
    assert data["staff_no"] == "0201"
    assert data["current_post"]["name"] == "采购员"
    assert data["current_post"]["start"] == "2015-03-01"
    listing = api(world.users["integrity"]).get(reverse("api-person-list"), {"q": "陈"}).json()
    assert listing["results"][0]["current_post"]["name"] == "采购员"


def test_list_filters(world, api):
    client = api(world.users["integrity"])
    assert names(client.get(reverse("api-post-list"), {"is_sensitive": "true"})) == ["采购员"]
    assert names(client.get(reverse("api-department-list"), {"kind": "administrative"})) == [
        "财务科",
        "采购中心",
    ]
    assert names(client.get(reverse("api-person-list"), {"department": world.cardiology.pk})) == [
        "张医生",
        "李主任",
        "赵医生",
    ]
    assert names(client.get(reverse("api-organisation-list"))) == ["示例市人民医院"]


def test_person_list_query_count_is_fixed(world, api, django_assert_max_num_queries):
    from tests.factories import make_person

    client = api(world.users["integrity"])
    url = reverse("api-person-list")
    client.get(url)
    post = Post.objects.get(code="P-ZZYS")
    for i in range(30):
        make_person(world.hospital, world.cardiology, f"9{i:03d}", f"医生{i}", post)
    with django_assert_max_num_queries(8):
        assert len(client.get(url).json()["results"]) == 35


def test_requires_a_role(world, api, client):
    assert api(world.users["nobody"]).get(reverse("api-person-list")).status_code == 403
    assert client.get(reverse("api-person-list")).status_code in (401, 403)


def test_token_authentication(world):
    # Tokens sign in service accounts only (tests/accounts/test_api_tokens.py).
    service = User.objects.create(username="oa-sync", organisation=world.hospital)
    service.set_unusable_password()
    service.save()
    RoleGrant.objects.create(user=service, role=Role.INTEGRITY, organisation=world.hospital)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=service).key}")
    assert "陈采购" in names(client.get(reverse("api-person-list")))
    person_token = Token.objects.create(user=world.users["integrity"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {person_token.key}")
    assert client.get(reverse("api-person-list")).status_code == 403


def test_read_only(world, api):
    client = api(world.users["admin"])
    response = client.post(reverse("api-department-list"), {"name": "新科室", "code": "X"})
    assert response.status_code == 405


def test_schema_renders_with_org_endpoints(world, login):
    response = login(world.users["integrity"]).get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/api/org/people/", "/api/org/departments/{id}/", "/api/org/posts/"):
        assert path in body
    assert "current_post" in body
