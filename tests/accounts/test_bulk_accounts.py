"""Accounts at scale: accounts for a department's people or people picked, with one-time
initial passwords handed over in a sealed list kept 24 hours for its creator only."""

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianfang.accounts import handover, services
from lianfang.accounts.models import PasswordHandover, RoleGrant, User
from lianfang.core.models import AuditEvent
from lianfang.core.roles import Role
from lianfang.org.models import Person
from tests.factories import make_person, make_user


def audit_text():
    return json.dumps(
        list(AuditEvent.objects.values("action", "before", "after", "object_repr")),
        ensure_ascii=False,
    )


def cardiology_people(world):
    return list(Person.objects.filter(department=world.cardiology))


def passwords_of(result, world):
    return {
        row["username"]: row
        for row in services.handover_rows(user=world.users["admin"], sheet=result.handover)
    }


# --- the service -----------------------------------------------------------------------------


def test_a_department_gets_accounts_named_by_staff_number_and_the_others_are_skipped(world):
    admin = world.users["admin"]
    result = services.accounts_bulk_create(actor=admin, people=cardiology_people(world))
    # 李主任 and 张医生 have accounts; 赵医生 (0103) gets one
    assert [p.name for p in result.skipped] == ["李主任", "张医生"]
    assert [u.username for u in result.created] == ["0103"]
    user = User.objects.get(username="0103")
    assert user.display_name == "赵医生"
    assert user.organisation == world.hospital
    assert user.must_change_password
    assert user.password.startswith("argon2")
    assert Person.objects.get(staff_no="0103", organisation=world.hospital).user == user
    grants = list(RoleGrant.objects.filter(user=user).values_list("role", "organisation"))
    assert grants == [(Role.STAFF, world.hospital.pk)]
    row = passwords_of(result, world)["0103"]
    assert row["name"] == "赵医生" and row["department"] == "心内科"
    assert user.check_password(row["password"])
    assert result.handover.accounts == 1
    assert result.handover.expires_at - timezone.now() > dt.timedelta(hours=23)


def test_each_account_is_audited_without_its_password(world):
    admin = world.users["admin"]
    extra = make_person(world.hospital, world.cardiology, "0104", "钱医生")
    result = services.accounts_bulk_create(actor=admin, people=[world.colleague_person, extra])
    events = AuditEvent.objects.filter(action="accounts.user.bulk_create")
    assert sorted(e.object_id for e in events) == sorted(str(u.pk) for u in result.created)
    assert all(e.after["must_change_password"] for e in events)
    assert AuditEvent.objects.filter(action="accounts.role.grant").count() == 2
    text = audit_text()
    for row in passwords_of(result, world).values():
        assert row["password"] not in text
    for user in result.created:
        user.refresh_from_db()
        assert user.password not in text  # nor the hash


def test_the_hand_over_list_is_sealed_and_only_its_creator_reads_it(world):
    result = services.accounts_bulk_create(
        actor=world.users["admin"], people=[world.colleague_person]
    )
    sheet = PasswordHandover.objects.get()
    password = passwords_of(result, world)["0103"]["password"]
    assert password not in sheet.sealed and "赵医生" not in sheet.sealed
    with pytest.raises(PermissionDenied):
        services.handover_rows(user=world.users["integrity"], sheet=sheet)


def test_a_list_older_than_a_day_is_unreadable_and_purged(world):
    services.accounts_bulk_create(actor=world.users["admin"], people=[world.colleague_person])
    sheet = PasswordHandover.objects.get()
    sheet.expires_at = timezone.now() - dt.timedelta(seconds=1)
    sheet.save(update_fields=["expires_at"])
    with pytest.raises(ValidationError, match="已失效"):
        services.handover_rows(user=world.users["admin"], sheet=sheet)
    assert services.handover_purge() == 1
    assert not PasswordHandover.objects.exists()


def test_a_token_sealed_more_than_a_day_ago_is_refused_whatever_the_row_says():
    token = handover.seal([{"password": "x"}])
    assert handover.unseal(token) == [{"password": "x"}]
    later = timezone.now() + dt.timedelta(hours=24, seconds=5)
    assert handover.unseal(token, now=later) is None
    assert handover.unseal(token + "x") is None


def test_initial_passwords_are_random_and_pass_the_validators(world):
    from django.contrib.auth.password_validation import validate_password

    passwords = {handover.initial_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in list(passwords)[:5]:
        validate_password(password)
        assert not set(password) & set("0O1lI")


def test_a_taken_staff_number_falls_back_to_the_organisation_code(world):
    make_user("0103")  # someone took the username already
    result = services.accounts_bulk_create(
        actor=world.users["admin"], people=[world.colleague_person]
    )
    assert [u.username for u in result.created] == ["H1-0103"]


def test_full_width_staff_numbers_become_ascii_usernames(world):
    person = make_person(world.hospital, world.finance, "０３０１", "孙会计")
    result = services.accounts_bulk_create(actor=world.users["admin"], people=[person])
    assert [u.username for u in result.created] == ["0301"]


def test_all_or_nothing_when_one_staff_number_cannot_be_a_username(world):
    bad = make_person(world.hospital, world.finance, "03/01", "周会计")
    with pytest.raises(ValidationError, match="无法生成用户名") as exc:
        services.accounts_bulk_create(
            actor=world.users["admin"], people=[world.colleague_person, bad]
        )
    assert "周会计" in exc.value.messages[0]
    assert not User.objects.filter(username="0103").exists()
    assert not PasswordHandover.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.user.bulk_create").exists()


def test_people_out_of_post_are_refused(world):
    Person.objects.filter(pk=world.colleague_person.pk).update(active=False)
    with pytest.raises(ValidationError, match="已不在职"):
        services.accounts_bulk_create(
            actor=world.users["admin"], people=[Person.objects.get(pk=world.colleague_person.pk)]
        )


def test_only_administrators_of_the_persons_organisation_may(world):
    with pytest.raises(ValidationError, match="只有系统管理员"):
        services.accounts_bulk_create(
            actor=world.users["integrity"], people=[world.colleague_person]
        )
    with pytest.raises(ValidationError, match="管理范围"):
        services.accounts_bulk_create(actor=world.users["admin"], people=[world.other_person])
    other = make_person(world.other_hospital, world.surgery_b, "9002", "外院护士")
    with pytest.raises(ValidationError, match="同一单位"):
        services.accounts_bulk_create(
            actor=world.users["admin"], people=[world.colleague_person, other]
        )
    assert not PasswordHandover.objects.exists()


def test_everyone_having_an_account_creates_nothing(world):
    result = services.accounts_bulk_create(actor=world.users["admin"], people=[world.staff_person])
    assert result.created == [] and result.handover is None
    assert [p.name for p in result.skipped] == ["张医生"]


def test_a_batch_is_limited(world, monkeypatch):
    monkeypatch.setattr(services, "BULK_MAX", 1)
    extra = make_person(world.hospital, world.cardiology, "0104", "钱医生")
    with pytest.raises(ValidationError, match="一次最多为 1 人"):
        services.accounts_bulk_create(
            actor=world.users["admin"], people=[world.colleague_person, extra]
        )


def test_a_new_account_signs_in_with_its_initial_password_and_must_change_it(world):
    result = services.accounts_bulk_create(
        actor=world.users["admin"], people=[world.colleague_person]
    )
    password = passwords_of(result, world)["0103"]["password"]
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "0103", "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:password_change"))
    assert "初始密码" in response.content.decode()


# --- the pages -----------------------------------------------------------------------------


def test_the_page_creates_a_departments_accounts_and_shows_the_hand_over_list(world, login):
    client = login(world.users["admin"])
    url = reverse("accounts:bulk_create")
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-lf-search="/org/people/search/"' in page.content.decode()
    response = client.post(url, {"department": world.cardiology.pk}, follow=True)
    body = response.content.decode()
    sheet = PasswordHandover.objects.get()
    assert response.redirect_chain[-1][0] == reverse("accounts:handover_detail", args=[sheet.pk])
    assert "已创建 1 个账号" in body and "2 人已有账号，已跳过：李主任、张医生" in body
    (row,) = services.handover_rows(user=world.users["admin"], sheet=sheet)
    assert row["password"] in body and "0103" in body
    assert "<script>" not in body and " style=" not in body  # CSP: no inline script or style
    # the list is offered on the page while it lasts
    assert reverse("accounts:handover_detail", args=[sheet.pk]) in client.get(url).content.decode()


def test_the_page_takes_people_picked(world, login):
    client = login(world.users["admin"])
    extra = make_person(world.hospital, world.finance, "0301", "孙会计")
    response = client.post(
        reverse("accounts:bulk_create"), {"people": [extra.pk, world.colleague_person.pk]}
    )
    assert response.status_code == 302
    assert set(
        User.objects.filter(username__in=["0301", "0103"]).values_list("username", flat=True)
    ) == {"0103", "0301"}
    assert PasswordHandover.objects.get().title == "所选 2 人"


def test_the_page_refuses_bad_input_with_a_chinese_message(world, login):
    client = login(world.users["admin"])
    url = reverse("accounts:bulk_create")
    empty = client.post(url, {})
    assert empty.status_code == 400
    assert "请选择一个科室，或至少选择一名人员" in empty.content.decode()
    foreign = client.post(url, {"department": world.surgery_b.pk})
    assert foreign.status_code == 400
    assert "所选科室不在您的管理范围内" in foreign.content.decode()
    other = client.post(url, {"people": [world.other_person.pk]})
    assert other.status_code == 400
    assert "所选人员不在您的管理范围内" in other.content.decode()
    junk = client.post(url, {"people": ["abc", "99999999999999999999999"]})
    assert junk.status_code == 400
    assert not User.objects.filter(username="0103").exists()


def test_the_pages_are_for_administrators_only(world, login):
    for role in ("integrity", "staff", "dept_head"):
        client = login(world.users[role])
        assert client.get(reverse("accounts:bulk_create")).status_code == 403
        response = client.post(reverse("accounts:bulk_create"), {"department": world.cardiology.pk})
        assert response.status_code == 403
    assert not User.objects.filter(username="0103").exists()


def test_only_the_creator_opens_or_downloads_the_list(world, login):
    services.accounts_bulk_create(actor=world.users["admin"], people=[world.colleague_person])
    sheet = PasswordHandover.objects.get()
    other_admin = make_user("admin2", (Role.ADMIN, world.hospital))
    client = login(other_admin)
    assert client.get(reverse("accounts:handover_detail", args=[sheet.pk])).status_code == 404
    assert client.get(reverse("accounts:handover_download", args=[sheet.pk])).status_code == 404


def test_an_expired_list_is_gone(world, login):
    services.accounts_bulk_create(actor=world.users["admin"], people=[world.colleague_person])
    sheet = PasswordHandover.objects.get()
    PasswordHandover.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client = login(world.users["admin"])
    assert client.get(reverse("accounts:handover_detail", args=[sheet.pk])).status_code == 404
    client.get(reverse("accounts:bulk_create"))  # the page purges what is past its time
    assert not PasswordHandover.objects.exists()


def test_the_excel_hand_over_list_is_recorded_as_an_export(world, login):
    result = services.accounts_bulk_create(
        actor=world.users["admin"], people=[world.colleague_person]
    )
    client = login(world.users["admin"])
    response = client.get(reverse("accounts:handover_download", args=[result.handover.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:5] == ("工号", "姓名", "科室", "用户名", "初始密码")
    password = passwords_of(result, world)["0103"]["password"]
    assert rows[1][:5] == ("0103", "赵医生", "心内科", "0103", password)
    event = AuditEvent.objects.get(action="accounts.handover.export")
    assert event.after["rows"] == 1
    assert password not in audit_text()


def test_an_administrators_reset_makes_the_holder_choose_a_new_password(world):
    staff = world.users["staff"]
    services.user_password_reset(
        actor=world.users["admin"], user=staff, password="Qiang-mima-2026!"
    )
    staff.refresh_from_db()
    assert staff.must_change_password
    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert event.after == {"must_change_password": True}


def test_the_command_creates_a_departments_accounts_and_writes_the_list(world, tmp_path):
    import os

    from django.core.management import CommandError, call_command

    out = tmp_path / "list.xlsx"
    stdout = io.StringIO()
    call_command(
        "bulk_accounts",
        "--as", "admin", "--organisation", "H1", "--department", "XNK", "--out", str(out),
        stdout=stdout,
    )  # fmt: skip
    assert "created 1 accounts" in stdout.getvalue()
    assert "skipped (has an account): 0101 李主任" in stdout.getvalue()
    assert os.stat(out).st_mode & 0o077 == 0
    rows = list(
        openpyxl.load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    assert rows[1][:4] == ("0103", "赵医生", "心内科", "0103")
    assert User.objects.get(username="0103").check_password(rows[1][4])
    with pytest.raises(CommandError, match="管理范围"):
        call_command(
            "bulk_accounts", "--as", "admin", "--organisation", "H2", "--staff-no", "9001",
            "--out", str(tmp_path / "no.xlsx"),
        )  # fmt: skip
