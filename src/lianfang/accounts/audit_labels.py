"""The audit page's words for the accounts' actions, and an account's display name."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions, register_actor_directory

from .models import User

register_actions(
    {
        "accounts.user.create": _("新建账号"),
        "accounts.user.update": _("修改账号"),
        "accounts.user.activate": _("启用账号"),
        "accounts.user.deactivate": _("停用账号"),
        "accounts.user.password_reset": _("重置账号密码"),
        "accounts.user.bulk_create": _("批量新建账号"),
        "accounts.user.password_change": _("修改本人密码"),
        "accounts.handover.export": _("下载初始密码交接单"),
        "accounts.otp.start": _("开始绑定动态口令"),
        "accounts.otp.confirm": _("绑定动态口令"),
        "accounts.otp.reset": _("重置动态口令"),
        "accounts.role.grant": _("授予角色"),
        "accounts.role.revoke": _("撤销角色"),
        "accounts.service_account.create": _("新建服务账号"),
        "accounts.api_token.issue": _("签发接口令牌"),
        "accounts.api_token.revoke": _("吊销接口令牌"),
        "org.person.link_account": _("人员关联账号"),
        "org.person.unlink_account": _("人员解除账号关联"),
    }
)


def _display_names(ids: list[int]) -> dict[int, str]:
    return dict(
        User.objects.filter(pk__in=ids).exclude(display_name="").values_list("pk", "display_name")
    )


def _matching(term: str):
    return User.objects.filter(display_name__icontains=term).values("pk")


register_actor_directory(names=_display_names, search=_matching, rank=0)
