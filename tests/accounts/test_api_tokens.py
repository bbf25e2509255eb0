"""API tokens sign in service accounts only: a person's token, above all a privileged one,
would skip TOTP and outlive password changes."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lianfang.accounts import api_tokens, services
from lianfang.accounts.models import User
from lianfang.core.models import AuditEvent

PEOPLE = reverse("api-person-list")


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def command(*args):
    out = io.StringIO()
    call_command("service_account", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def integration(world):
    """A service account made by the operator, given the integrity role on the command line
    (`lianfang roles`; on the pages, by a security administrator), and its token."""
    command("create", "his-sync", "--organisation", world.hospital.code, "--name", "HIS 对接")
    account = User.objects.get(username="his-sync")
    out = io.StringIO()
    call_command(
        "roles", "grant", "his-sync", "integrity", "--organisation", world.hospital.code, stdout=out
    )
    return account, command("token", "his-sync")


@pytest.mark.parametrize("role", ["integrity", "admin", "commission_integrity", "staff"])
def test_a_persons_own_token_is_refused(world, role):
    token = Token.objects.create(user=world.users[role])
    response = with_token(token.key).get(PEOPLE)
    assert response.status_code == 403
    assert "API 令牌只能由服务账号使用" in response.json()["detail"]


def test_a_service_account_reads_what_its_granted_role_sees(world, integration):
    account, key = integration
    assert not account.has_usable_password()
    response = with_token(key).get(PEOPLE)
    assert response.status_code == 200
    assert "陈采购" in {row["name"] for row in response.json()["results"]}
    # Nothing of the other hospital: the role was granted on this one.
    other = {p.name for p in world.other_person.organisation.people.all()}
    assert not other & {row["name"] for row in response.json()["results"]}


def test_issuing_and_revoking_are_audited_without_the_key(world, integration):
    account, key = integration
    actions = list(
        AuditEvent.objects.filter(object_id=str(account.pk))
        .order_by("seq")
        .values_list("action", "actor_label")
    )
    assert [a for a, _ in actions] == [
        "accounts.service_account.create",
        "accounts.api_token.issue",
    ]
    assert all(label.startswith("cli") for _, label in actions)
    new_key = command("token", "his-sync")
    assert with_token(key).get(PEOPLE).status_code == 403  # the old token stops working
    assert with_token(new_key).get(PEOPLE).status_code == 200
    assert command("revoke", "his-sync") == "revoked the token of his-sync"
    assert with_token(new_key).get(PEOPLE).status_code == 403
    text = json.dumps(list(AuditEvent.objects.values("before", "after", "object_repr")))
    assert key not in text and new_key not in text


def test_no_token_is_issued_to_a_person(world):
    with pytest.raises(CommandError, match="只能为服务账号签发 API 令牌"):
        command("token", "integrity")
    assert not Token.objects.filter(user=world.users["integrity"]).exists()


def test_a_persons_old_token_can_be_revoked(world):
    Token.objects.create(user=world.users["integrity"])
    assert command("revoke", "integrity") == "revoked the token of integrity"
    assert AuditEvent.objects.filter(action="accounts.api_token.revoke").count() == 1


def test_a_service_account_cannot_use_the_login_page(world, integration, password, client):
    response = client.post(reverse("accounts:login"), {"username": "his-sync", "password": ""})
    assert "_auth_user_id" not in client.session
    response = client.post(
        reverse("accounts:login"), {"username": "his-sync", "password": password}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_service_account_given_a_password_or_a_person_loses_its_token(world, integration):
    account, key = integration
    person = world.colleague_person
    person.user = account
    person.save(update_fields=["user"])
    assert with_token(key).get(PEOPLE).status_code == 403
    person.user = None
    person.save(update_fields=["user"])
    assert with_token(key).get(PEOPLE).status_code == 200
    services.user_password_reset(
        actor=world.users["admin"], user=account, password="A-long-new-pass-2026"
    )
    assert with_token(key).get(PEOPLE).status_code == 403


def test_a_deactivated_service_account_gets_no_token(world, integration):
    account, _key = integration
    services.user_deactivate(actor=world.users["admin"], user=account)
    with pytest.raises(CommandError, match="已停用"):
        command("token", "his-sync")


def test_create_refuses_a_taken_name_and_an_unknown_organisation(world):
    with pytest.raises(CommandError, match="该用户名已被使用"):
        command("create", "Staff", "--organisation", world.hospital.code)
    with pytest.raises(CommandError, match="no organisation"):
        command("create", "his-sync", "--organisation", "NOPE")


def test_list_shows_service_accounts_only(world, integration):
    listing = command("list")
    assert listing.startswith("his-sync\ttoken\t")
    assert "integrity" not in listing.split("\t")[0]
    assert len(listing.splitlines()) == 1
    assert api_tokens.is_service_account(integration[0])
