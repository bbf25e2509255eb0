"""Error codes and messages of the review chain's services (the API answers with the codes)."""

import enum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy


class ReviewError(enum.StrEnum):
    ALREADY_OPEN = "review_already_open"
    NOT_OPEN = "review_not_open"
    OWN_SUBMISSION = "review_own_submission"
    NOT_REVIEWER = "review_not_reviewer"
    NOT_OFFICE = "review_not_office"
    NO_OFFICE = "review_no_office"
    CANNOT_SKIP_OFFICE = "review_cannot_skip_office"
    RETURN_REASON_REQUIRED = "review_return_reason_required"
    SKIP_REASON_REQUIRED = "review_skip_reason_required"

    @property
    def message(self) -> str:
        return str(_MESSAGES[self])


_MESSAGES = {
    ReviewError.ALREADY_OPEN: gettext_lazy("已提交审核，尚未办结，不能重复提交。"),
    ReviewError.NOT_OPEN: gettext_lazy("没有待审核的提交。"),
    ReviewError.OWN_SUBMISSION: gettext_lazy("不得审核本人提交或编写的内容。"),
    ReviewError.NOT_REVIEWER: gettext_lazy("您不是当前环节（%(level)s）的审核人。"),
    ReviewError.NOT_OFFICE: gettext_lazy("只有本单位（或上级单位）纪检监察部门可以执行此操作。"),
    ReviewError.NO_OFFICE: gettext_lazy(
        "本单位及上级单位没有可审核的纪检监察账号（提交人、编写人本人除外），无法提交审核。"
    ),
    ReviewError.CANNOT_SKIP_OFFICE: gettext_lazy("纪检监察部门审核环节不能跳过。"),
    ReviewError.RETURN_REASON_REQUIRED: gettext_lazy("退回须填写原因。"),
    ReviewError.SKIP_REASON_REQUIRED: gettext_lazy("跳过审核环节须填写原因。"),
}


def error(code: ReviewError, field: str | None = None, **params) -> ValidationError:
    """A ValidationError carrying `code`, keyed by `field` when one is to blame."""
    message = code.message % params if params else code.message
    exc = ValidationError(message, code=code.value)
    return ValidationError({field: exc}) if field else exc
