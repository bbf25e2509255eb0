"""Error codes and messages of the risk register's services."""

import enum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Level,
)


class RiskError(enum.StrEnum):
    """Stable, machine-readable error codes of the risk register (the API answers with them)."""

    REQUIRED = "required"
    TOO_LONG = "too_long"
    INVALID_CHOICE = "invalid_choice"
    SUBJECT_POST_REQUIRED = "subject_post_required"
    SUBJECT_DEPARTMENT_REQUIRED = "subject_department_required"
    OUTSIDE_ORGANISATION = "outside_organisation"
    STEP_NOT_OF_POWER = "step_not_of_power"
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    UNKNOWN_MATTER_KIND = "unknown_matter_kind"
    UNKNOWN_CRITERION = "unknown_criterion"
    INVALID_LEVEL = "invalid_level"
    LEVEL_REASON_REQUIRED = "level_reason_required"
    RETIRED = "retired"
    NOT_DRAFT = "not_draft"
    RETIRE_REASON_REQUIRED = "retire_reason_required"
    MEASURE_OWNER = "measure_owner"
    MEASURE_OTHER_ORGANISATION = "measure_other_organisation"
    SCHEME_METHOD = "scheme_method"
    SCHEME_SIZE = "scheme_size"
    SCHEME_GRID = "scheme_grid"
    SCHEME_MATTER_LEVELS = "scheme_matter_levels"
    SCHEME_CRITERIA_LEVELS = "scheme_criteria_levels"
    SCHEME_MONITORS = "scheme_monitors"
    SCHEME_REVIEW_DAYS = "scheme_review_days"
    PHRASE_DUPLICATE = "phrase_duplicate"
    DONE_ON_FUTURE = "done_on_future"
    EVIDENCE_REQUIRED = "evidence_required"
    NOT_FILED = "not_filed"
    CHANGE_REASON_REQUIRED = "change_reason_required"
    NO_CHANGE = "no_change"
    DIRECT_FILING_REASON_REQUIRED = "direct_filing_reason_required"
    CHANGED_SINCE_LAST_REVIEW = "changed_since_last_review"
    NOTHING_CHOSEN = "nothing_chosen"

    @property
    def message(self) -> str:
        """The Chinese sentence, with %(name)s placeholders."""
        return str(_MESSAGES[self])


_MESSAGES = {
    RiskError.REQUIRED: gettext_lazy("请填写%(label)s。"),
    RiskError.TOO_LONG: gettext_lazy("%(label)s不能超过 %(max)s 个字。"),
    RiskError.INVALID_CHOICE: gettext_lazy("%(label)s的取值“%(value)s”无效。"),
    RiskError.SUBJECT_POST_REQUIRED: gettext_lazy("对象为岗位时须选择岗位。"),
    RiskError.SUBJECT_DEPARTMENT_REQUIRED: gettext_lazy("对象为科室时须选择科室。"),
    RiskError.OUTSIDE_ORGANISATION: gettext_lazy("%(label)s“%(name)s”不属于%(organisation)s。"),
    RiskError.STEP_NOT_OF_POWER: gettext_lazy("流程环节“%(step)s”不属于权力事项“%(power)s”。"),
    RiskError.SCORE_OUT_OF_RANGE: gettext_lazy(
        "%(label)s须为 1 至 %(size)s 之间的整数（定级方案为 %(size)s 级）。"
    ),
    RiskError.UNKNOWN_MATTER_KIND: gettext_lazy("事项性质“%(value)s”不在可选范围内。"),
    RiskError.UNKNOWN_CRITERION: gettext_lazy("定级条件“%(value)s”不在可选范围内。"),
    RiskError.INVALID_LEVEL: gettext_lazy("风险等级须为一级、二级或三级。"),
    RiskError.LEVEL_REASON_REQUIRED: gettext_lazy(
        "人工调整风险等级（%(old)s → %(new)s）须填写调整原因。"
    ),
    RiskError.RETIRED: gettext_lazy("风险点“%(name)s”已停用，不能再修改。"),
    RiskError.NOT_DRAFT: gettext_lazy("只有草稿状态的风险点可以备案（当前状态：%(status)s）。"),
    RiskError.RETIRE_REASON_REQUIRED: gettext_lazy("停用风险点须填写原因。"),
    RiskError.MEASURE_OWNER: gettext_lazy("防控措施须指定责任人或责任部门，且只能指定其中之一。"),
    RiskError.MEASURE_OTHER_ORGANISATION: gettext_lazy(
        "防控措施与风险点“%(name)s”不属于同一单位。"
    ),
    RiskError.SCHEME_METHOD: gettext_lazy("定级方法须为矩阵、按事项性质或按符合条件数之一。"),
    RiskError.SCHEME_SIZE: gettext_lazy("矩阵阶数须为 3、4 或 5。"),
    RiskError.SCHEME_GRID: gettext_lazy(
        "矩阵须为 %(size)s×%(size)s，每格取一级、二级或三级：%(detail)s。"
    ),
    RiskError.SCHEME_MATTER_LEVELS: gettext_lazy("事项等级设置有误：%(detail)s。"),
    RiskError.SCHEME_CRITERIA_LEVELS: gettext_lazy("条件数等级设置有误：%(detail)s。"),
    RiskError.SCHEME_MONITORS: gettext_lazy("监控人设置有误：%(detail)s。"),
    RiskError.SCHEME_REVIEW_DAYS: gettext_lazy("复核周期设置有误：%(detail)s。"),
    RiskError.PHRASE_DUPLICATE: gettext_lazy("空泛表述“%(phrase)s”已在列表中。"),
    RiskError.DONE_ON_FUTURE: gettext_lazy("落实日期不能晚于今天。"),
    RiskError.EVIDENCE_REQUIRED: gettext_lazy(
        "请写明落实情况（做了什么、记录或凭证在哪里，至少 %(n)s 个字），或上传凭证文件。"
    ),
    RiskError.NOT_FILED: gettext_lazy(
        "只有已备案的风险点可以请求变更（当前状态：%(status)s）；草稿请直接修改后提交备案。"
    ),
    RiskError.CHANGE_REASON_REQUIRED: gettext_lazy("请求变更须填写变更理由。"),
    RiskError.NO_CHANGE: gettext_lazy("没有修改任何内容，无需请求变更。"),
    RiskError.DIRECT_FILING_REASON_REQUIRED: gettext_lazy("直接备案须填写理由。"),
    RiskError.CHANGED_SINCE_LAST_REVIEW: gettext_lazy(
        "“%(name)s”与上次审核的版本不同，不能批量通过，请逐条审核。"
    ),
    RiskError.NOTHING_CHOSEN: gettext_lazy("请至少选择一项。"),
}


def error(code: RiskError, field: str | None = None, **params) -> ValidationError:
    """A ValidationError carrying `code`, keyed by `field` when one is to blame."""
    message = code.message % params if params else code.message
    exc = ValidationError(message, code=code.value)
    return ValidationError({field: exc}) if field else exc


def _raise_all(errors: list[ValidationError]):
    if not errors:
        return
    merged = {}
    for exc in errors:
        for field, items in exc.update_error_dict({}).items():
            merged.setdefault(field, []).extend(items)
    raise ValidationError(merged)


def _label(model, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def _outside(obj, fields) -> list[ValidationError]:
    """An OUTSIDE_ORGANISATION error for each related object of `obj` (among `fields`) that
    is not of `obj`'s organisation (read only to name it in the message)."""
    errors = []
    for field in fields:
        related = getattr(obj, field) if getattr(obj, f"{field}_id") else None
        if related is not None and related.organisation_id != obj.organisation_id:
            errors.append(
                error(
                    RiskError.OUTSIDE_ORGANISATION,
                    field,
                    label=_label(type(obj), field),
                    name=related.name,
                    organisation=obj.organisation.name,
                )
            )
    return errors


def _choice_errors(obj, choices: dict, *, blank: bool) -> list[ValidationError]:
    """An INVALID_CHOICE error for each field of `obj` (the keys of `choices`) whose value is
    not one of its choices (an empty one passes when `blank`)."""
    errors = []
    for field, allowed in choices.items():
        value = getattr(obj, field)
        if (value or not blank) and value not in allowed:
            label = _label(type(obj), field)
            errors.append(error(RiskError.INVALID_CHOICE, field, label=label, value=value))
    return errors


def _level_name(level) -> str:
    return str(Level(level).label) if level else _("未定级")
