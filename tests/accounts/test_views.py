import pytest
from django.urls import reverse

from lianfang.accounts.models import RoleGrant, User
from lianfang.core.roles import Role
from tests.factories import make_user

NEW_PASSWORD = "Qiang-mima-2026!"


def usernames(response):
    return [u.username for u in response.context["table"].rows]


def test_user_list_shows_the_admins_subtree_only(world, login):
    response = login(world.users["admin"]).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    assert sorted(usernames(response)) == ["admin", "dept_head", "integrity", "leader", "staff"]
    body = response.content.decode()
    assert "outsider" not in body
    assert "纪检监察 · 示例市人民医院" in body


def test_user_list_search_filter_and_sort(world, login):
    client = login(world.users["admin"])
    url = reverse("accounts:user_list")
    assert usernames(client.get(url, {"q": "张医"})) == ["staff"]  # the linked person's name
    assert usernames(client.get(url, {"role": Role.LEADER})) == ["leader"]
    assert usernames(client.get(url, {"sort": "-username"}))[0] == "staff"
    User.objects.filter(username="staff").update(is_active=False)
    assert usernames(client.get(url, {"status": "inactive"})) == ["staff"]
    empty = client.get(url, {"q": "没有这个人"})
    assert "没有符合条件的账号" in empty.content.decode()


def test_user_list_pages_and_keeps_its_query_count(world, login, django_assert_max_num_queries):
    admin = world.users["admin"]
    client = login(admin)
    url = reverse("accounts:user_list")

    def add(n, start):
        for i in range(start, start + n):
            make_user(f"u{i:03d}", (Role.STAFF, world.hospital), (Role.LEADER, world.hospital))

    add(5, 0)
    client.get(url)  # warm the per-process caches (content types, session)
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    add(60, 5)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url, {"page": 2})
    assert len(large.captured_queries) == len(small.captured_queries)
    assert response.context["table"].page_obj.paginator.count == 70
    assert len(response.context["table"].rows) == 20


def test_user_pages_are_for_administrators_only(world, login, client):
    url = reverse("accounts:user_list")
    assert login(world.users["integrity"]).get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ["outsider", "commission_integrity", "nobody"])
@pytest.mark.parametrize(
    "url_name", ["accounts:user_detail", "accounts:user_edit", "accounts:user_password_reset"]
)
def test_accounts_outside_scope_answer_404(world, login, name, url_name):
    client = login(world.users["admin"])
    response = client.get(reverse(url_name, args=[world.users[name].pk]))
    assert response.status_code == 404


def test_posting_on_an_account_outside_scope_answers_404(world, login):
    client = login(world.users["admin"])
    outsider = world.users["outsider"]
    response = client.post(reverse("accounts:user_deactivate", args=[outsider.pk]))
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


def test_create_user_then_grant_and_revoke_a_role(world, login, security):
    client = login(world.users["admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "wang",
            "display_name": "王五",
            "organisation": world.hospital.pk,
            "person": world.colleague_person.pk,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="wang")
    assert response.status_code == 302
    assert response.url == reverse("accounts:user_detail", args=[user.pk])
    assert user.person == world.colleague_person

    detail = client.get(response.url)
    assert "尚未授予任何角色" in detail.content.decode()
    assert "角色由安全管理员授予和撤销" in detail.content.decode()

    client = login(security)  # 三员分立: the security administrator grants the roles
    response = client.post(
        reverse("accounts:role_grant", args=[user.pk]),
        {
            "role": Role.DEPT_HEAD,
            "organisation": world.hospital.pk,
            "department": world.cardiology.pk,
        },
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=user)
    assert (grant.role, grant.department) == (Role.DEPT_HEAD, world.cardiology)

    response = client.post(reverse("accounts:role_revoke", args=[user.pk, grant.pk]))
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(user=user).exists()


def test_create_form_reports_errors_in_chinese(world, login):
    client = login(world.users["admin"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "staff",
            "organisation": world.hospital.pk,
            "password1": NEW_PASSWORD,
            "password2": "different-Pass-1",
        },
    )
    assert response.status_code == 200
    assert "两次输入的密码不一致" in response.content.decode()
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "staff",
            "organisation": world.hospital.pk,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert "该用户名已被使用" in response.content.decode()


def test_granting_on_a_node_outside_the_subtree_is_refused(world, login, security):
    client = login(security)
    staff = world.users["staff"]
    response = client.post(
        reverse("accounts:role_grant", args=[staff.pk]),
        {"role": Role.INTEGRITY, "organisation": world.other_hospital.pk},
    )
    assert response.status_code == 400
    assert "不在您的管理范围内" in response.content.decode()
    assert list(RoleGrant.objects.filter(user=staff).values_list("role", flat=True)) == ["staff"]


def test_dept_head_grant_without_department_is_refused(world, login, security):
    client = login(security)
    staff = world.users["staff"]
    response = client.post(
        reverse("accounts:role_grant", args=[staff.pk]),
        {"role": Role.DEPT_HEAD, "organisation": world.hospital.pk},
    )
    assert response.status_code == 400
    assert "必须选择科室" in response.content.decode()


def test_edit_deactivate_and_reset_password_through_the_pages(world, login):
    client = login(world.users["admin"])
    staff = world.users["staff"]
    response = client.post(
        reverse("accounts:user_edit", args=[staff.pk]),
        {
            "display_name": "张医生",
            "email": "zhang@example.cn",
            "organisation": world.hospital.pk,
            "person": world.staff_person.pk,
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert (staff.display_name, staff.email, staff.organisation) == (
        "张医生",
        "zhang@example.cn",
        world.hospital,
    )

    client.post(reverse("accounts:user_deactivate", args=[staff.pk]))
    staff.refresh_from_db()
    assert not staff.is_active
    page = client.get(reverse("accounts:user_detail", args=[staff.pk])).content.decode()
    assert "已停用" in page

    response = client.post(
        reverse("accounts:user_password_reset", args=[staff.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_refused_action_shows_a_message_not_an_error_page(world, login):
    admin = world.users["admin"]
    client = login(admin)
    response = client.post(reverse("accounts:user_deactivate", args=[admin.pk]), follow=True)
    assert response.status_code == 200
    assert "不能停用或启用自己的账号" in response.content.decode()
