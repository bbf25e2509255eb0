import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianfang.core.models import AuditEvent

BANNER = "演示模式：双因素认证（TOTP）已关闭"


def token_for(device, offset=0):
    """The code an authenticator shows now (offset: steps later, for a second use)."""
    return f"{totp(device.bin_key, step=device.step, drift=offset):06d}"


@pytest.fixture
def otp_on(settings):
    settings.REQUIRE_OTP = True
    return settings


def bound_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_privileged_user_without_device_is_sent_to_setup(otp_on, world, login):
    client = login(world.users["integrity"])
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:otp_setup") + "?next=%2F"


def test_user_pages_are_not_exempt(otp_on, world, login):
    client = login(world.users["admin"])
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_setup"))


def test_setup_shows_qr_and_key_then_confirms_with_a_real_token(otp_on, world, login):
    user = world.users["integrity"]
    client = login(user)
    response = client.get(reverse("accounts:otp_setup") + "?next=/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/png;base64,' in body
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    secret = response.context["secret"].replace(" ", "")
    assert secret in body.replace(" ", "")
    assert len(secret) == 32  # 20 random bytes in base32

    # Reloading keeps the same pending device, so the QR code already scanned stays valid.
    client.get(reverse("accounts:otp_setup"))
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(reverse("accounts:otp_setup"), {"token": token_for(device), "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="accounts.otp.confirm")
    assert device.key not in str(event.after)


def test_setup_rejects_a_wrong_token(otp_on, world, login):
    user = world.users["integrity"]
    client = login(user)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(token_for(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:otp_setup"), {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302


def test_privileged_user_with_device_must_verify(otp_on, world, login):
    user = world.users["admin"]
    device = bound_device(user)
    client = login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:otp_verify") + "?next=%2F"

    page = client.get(response.url)
    assert "请输入验证码" in page.content.decode()
    wrong = f"{(int(token_for(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:otp_verify"), {"token": wrong, "next": "/"})
    assert "验证码不正确" in response.content.decode()
    assert client.get("/").status_code == 302


def test_verify_with_a_real_token_lets_the_user_in(otp_on, world, login):
    user = world.users["admin"]
    device = bound_device(user)
    client = login(user)
    target = reverse("accounts:user_list")
    response = client.post(
        reverse("accounts:otp_verify"), {"token": token_for(device), "next": target}
    )
    assert response.status_code == 302
    assert response.url == target
    assert client.get(target).status_code == 200
    assert client.get("/").status_code == 200


def test_verify_ignores_an_offsite_next(otp_on, world, login):
    user = world.users["admin"]
    device = bound_device(user)
    client = login(user)
    response = client.post(
        reverse("accounts:otp_verify"),
        {"token": token_for(device), "next": "https://evil.example/steal"},
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard:home")


def test_bound_device_cannot_be_replaced_before_verifying(otp_on, world, login):
    user = world.users["integrity"]
    bound_device(user)
    client = login(user)
    response = client.get(reverse("accounts:otp_setup") + "?rebind=1")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_rebinding_replaces_the_old_device(otp_on, world, login):
    user = world.users["integrity"]
    old = bound_device(user)
    client = login(user)
    client.post(reverse("accounts:otp_verify"), {"token": token_for(old)})
    client.get(reverse("accounts:otp_setup") + "?rebind=1")
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:otp_setup"), {"token": token_for(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]


@pytest.mark.parametrize("role", ["staff", "leader", "dept_head"])
def test_other_roles_are_not_asked(otp_on, world, login, role):
    client = login(world.users[role])
    response = client.get("/")
    assert response.status_code == 200
    assert BANNER not in response.content.decode()


def test_staff_who_bound_a_device_is_asked_for_it(otp_on, world, login):
    user = world.users["staff"]
    bound_device(user)
    response = login(user).get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))


def test_nothing_is_enforced_when_otp_is_off_and_the_page_says_so(settings, world, login):
    settings.REQUIRE_OTP = False
    user = world.users["integrity"]
    bound_device(user)
    response = login(user).get("/")
    assert response.status_code == 200
    assert BANNER in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(otp_on, client, db):
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
