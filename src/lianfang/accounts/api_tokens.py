"""API tokens, for service accounts only.

A token is a password that never expires, survives password changes and skips the second
factor. So a token signs in only a *service account*: an account made for one integration
(`lianfang service_account create`), with no password (it cannot use the login page) and no
linked person. It has the roles an administrator grants it on 用户与角色, like any account,
and no others; grant the narrowest that serves the integration. A token of a person's
account, an administrator's or the integrity office's above all, is refused: they use the
pages (with TOTP) or a service account. Issuing and revoking a token are audited; the key
itself is shown once and never recorded.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from lianfang.core import audit
from lianfang.org.models import Organisation, Person

from .models import User

USERNAME = RegexValidator(
    r"^[\w.@+-]+$", gettext_lazy("用户名只能包含字母、数字和 @ . + - _ 字符。")
)


def is_service_account(user) -> bool:
    """No password to sign in with and no person behind it."""
    return not user.has_usable_password() and not Person.objects.filter(user_id=user.pk).exists()


class ServiceTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing the token of any account but a service account."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not is_service_account(user):
            raise exceptions.AuthenticationFailed(
                _(
                    "API 令牌只能由服务账号使用。个人账号（尤其是系统管理员和纪检监察人员）"
                    "请登录网页使用，接口对接请由系统管理员创建专用的服务账号。"
                )
            )
        return user, token


@transaction.atomic
def service_account_create(
    *, actor, username: str, organisation: Organisation, display_name: str = ""
) -> User:
    """An account without a password or person, on `organisation`, holding no role yet."""
    username = (username or "").strip()
    USERNAME(username)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("该用户名已被使用。"))
    user = User(
        username=username,
        display_name=(display_name or "").strip() or username,
        organisation=organisation,
    )
    user.set_unusable_password()
    user.save()
    audit.record(
        actor=actor,
        action="accounts.service_account.create",
        obj=user,
        after=audit.snapshot(user, ["username", "display_name", "organisation"]),
    )
    return user


@transaction.atomic
def api_token_issue(*, actor, user: User) -> str:
    """A new token for a service account (its old one stops working); the key, shown once."""
    if not is_service_account(user):
        raise ValidationError(_("只能为服务账号签发 API 令牌：该账号有登录密码或关联了人员。"))
    if not user.is_active:
        raise ValidationError(_("该账号已停用，不能签发 API 令牌。"))
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    audit.record(
        actor=actor, action="accounts.api_token.issue", obj=user, after={"replaced": replaced}
    )
    return token.key


@transaction.atomic
def api_token_revoke(*, actor, user: User) -> bool:
    """Withdraw the account's token, if it has one."""
    if not Token.objects.filter(user=user).delete()[0]:
        return False
    audit.record(actor=actor, action="accounts.api_token.revoke", obj=user, before={"token": True})
    return True
