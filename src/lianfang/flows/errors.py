"""Error codes and messages of the flows services (the API answers with the codes)."""

import enum

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy


class FlowError(enum.StrEnum):
    """Stable, machine-readable error codes of the flows module."""

    DEFINITION_INVALID = "definition_invalid"
    DEFINITION_INACTIVE = "definition_inactive"
    NOT_PUBLISHER = "not_publisher"
    NOT_STARTER = "not_starter"
    NOT_RELAY = "not_relay"
    FIELDS = "fields"
    ATTACHMENT = "attachment"
    ATTACHMENT_REQUIRED = "attachment_required"
    ATTACHMENT_FIELD = "attachment_field"
    UNKNOWN_ACTION = "unknown_action"
    REASON_REQUIRED = "reason_required"
    RETURN_TARGET = "return_target"
    TRANSFER_TARGET = "transfer_target"
    TRANSFER_CONFLICT = "transfer_conflict"
    ALREADY_APPROVED = "already_approved"
    NO_HANDLER = "no_handler"
    ENGINE = "engine"
    STALE = "stale"
    TASK_UNAVAILABLE = "task_unavailable"

    @property
    def message(self) -> str:
        return str(_MESSAGES[self])


_MESSAGES = {
    FlowError.DEFINITION_INVALID: gettext_lazy("流程定义未通过校验：%(reasons)s"),
    FlowError.DEFINITION_INACTIVE: gettext_lazy("流程“%(name)s”已停用，不能发起。"),
    FlowError.NOT_PUBLISHER: gettext_lazy("只有本单位的系统管理员或纪检监察人员可以发布流程。"),
    FlowError.NOT_STARTER: gettext_lazy("您不能发起流程“%(name)s”。"),
    FlowError.NOT_RELAY: gettext_lazy(
        "只有持有本单位系统管理员角色的对接服务账号可以代本单位在职人员发起或办理。"
    ),
    FlowError.FIELDS: gettext_lazy("表单填写有误：%(detail)s"),
    FlowError.ATTACHMENT: gettext_lazy("附件“%(name)s”未能上传：%(why)s"),
    FlowError.ATTACHMENT_REQUIRED: gettext_lazy("办理本环节前须上传附件：%(names)s。"),
    FlowError.ATTACHMENT_FIELD: gettext_lazy(
        "“%(name)s”不是本流程表单的附件字段，文件未上传，办件未发起。"
    ),
    FlowError.UNKNOWN_ACTION: gettext_lazy("无法识别的办理操作“%(action)s”。"),
    FlowError.REASON_REQUIRED: gettext_lazy("请填写%(what)s的理由。"),
    FlowError.RETURN_TARGET: gettext_lazy("只能退回到本办件已经办理过的环节。"),
    FlowError.TRANSFER_TARGET: gettext_lazy("请选择本单位另一位在用的人员作为转办对象。"),
    FlowError.TRANSFER_CONFLICT: gettext_lazy(
        "不能转办给本办件的申请人或当事人（回避：不得审批本人发起或与本人有关的事项）。"
    ),
    FlowError.ALREADY_APPROVED: gettext_lazy("已有环节审批同意，申请人不能再撤回。"),
    FlowError.NO_HANDLER: gettext_lazy("环节“%(name)s”找不到办理人（规则：%(rule)s）。"),
    FlowError.ENGINE: gettext_lazy("流程无法继续：%(why)s"),
    FlowError.STALE: gettext_lazy("办件已被他人更新，请刷新后重试。"),
    FlowError.TASK_UNAVAILABLE: gettext_lazy(
        "该待办不存在、不归您办理，或已被办理（可能是重复提交），请刷新页面。"
    ),
}


def error(code: FlowError, field: str | None = None, **params) -> ValidationError:
    """A ValidationError carrying `code`, keyed by `field` when one is to blame."""
    message = code.message % params if params else code.message
    exc = ValidationError(message, code=code.value)
    return ValidationError({field: exc}) if field else exc


class TaskUnavailable(Http404):
    """The task is not the actor's, not ready any more, or outside their scope: a 404 in pages
    and the API, and nothing changed. `code` is FlowError.TASK_UNAVAILABLE."""

    code = FlowError.TASK_UNAVAILABLE

    def __init__(self):
        super().__init__(FlowError.TASK_UNAVAILABLE.message)
