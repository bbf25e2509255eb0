import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lianfang.accounts.api_tokens import api_token_issue, service_account_create
from lianfang.accounts.models import RoleGrant
from lianfang.core.roles import Role
from lianfang.satisfaction import services
from lianfang.satisfaction.models import Token

pytestmark = pytest.mark.django_db
URL = "/api/satisfaction/tokens/"


@pytest.fixture
def his(world):
    account = service_account_create(actor=None, username="his", organisation=world.hospital)
    RoleGrant.objects.create(user=account, role=Role.STAFF, organisation=world.hospital)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(actor=None, user=account)}")
    return client


def test_the_his_gets_one_code_per_visit(world, his):
    first = his.post(URL, {"department": world.cardiology.pk, "visit": "ZY-1"}, format="json")
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["used"] is False and body["code"].count("-") == 2
    assert body["url"].endswith(
        reverse("satisfaction:answer", args=[world.cardiology.pk])
        + "?t="
        + services.normalise_code(body["code"])
    )
    again = his.post(URL, {"department": world.cardiology.pk, "visit": "ZY-1"}, format="json")
    assert again.json()["code"] == body["code"]
    assert Token.objects.count() == 1


def test_a_department_of_another_organisation_is_not_found(world, his):
    answer = his.post(URL, {"department": world.surgery_b.pk}, format="json")
    assert answer.status_code == 404
    assert "没有这个科室" in answer.json()["detail"]
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"department": "x"}, {"department": 0}, {"department": 1, "visit": "长" * 65}],
)
def test_bad_requests_are_400(world, his, body):
    assert his.post(URL, body, format="json").status_code == 400


def test_a_person_s_session_without_the_role_is_refused_and_nobody_is_refused(world):
    client = APIClient()
    assert client.post(URL, {"department": world.cardiology.pk}).status_code == 403
    client.force_authenticate(world.users["nobody"])
    assert client.post(URL, {"department": world.cardiology.pk}).status_code == 403


def test_the_endpoint_is_in_the_schema(world, login):
    schema = login(world.users["staff"]).get("/api/schema/").content.decode()
    assert "/api/satisfaction/tokens/:" in schema and "TokenRequest" in schema
