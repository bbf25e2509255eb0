"""What the audit page shows for an action code and for an actor.

Every app names its actions in its own `audit_labels` module, found when first needed
(`autodiscover_modules`, as Django's admin finds `admin` modules):

    from lianfang.core.audit_labels import register_actions
    register_actions({"risk_point.file": gettext_lazy("备案风险点"), ...},
                     prefixes={"demo.": gettext_lazy("演示数据")})

A prefix is what a bulk caller puts in front of the writer's actions ("library.import.",
"demo."): "demo.person.create" reads 新建人员（演示数据）. `tests/core/test_audit_labels.py`
collects every action the code records and fails on one without a label.

An actor is shown by name: an app that knows who an account is registers
`register_actor_directory(names=..., search=..., rank=...)` (accounts: the display name;
org, ranked higher: the person linked to the account), and the highest rank's name wins.
"""

from collections.abc import Callable, Iterable

from django.db.models import Q
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy

from . import punctuation

_ACTIONS: dict[str, object] = {}
_PREFIXES: dict[str, object] = {}
_NAMES: list[tuple[int, Callable[[list[int]], dict[int, str]]]] = []
_SEARCHES: list[Callable[[str], object]] = []
_discovered = False


def register_actions(actions: dict, *, prefixes: dict | None = None) -> None:
    """Declare the Chinese labels (lazy translations) of some action codes and prefixes."""
    for code in actions:
        if code in _ACTIONS and _ACTIONS[code] != actions[code]:
            raise ValueError(f"audit action {code!r} is labelled twice")
    _ACTIONS.update(actions)
    _PREFIXES.update(prefixes or {})


def register_actor_directory(*, names, search=None, rank: int = 0) -> None:
    """`names(user_ids)` → {user id: name}, over the names of lower `rank`; `search(term)` →
    a queryset (or list) of the ids of the accounts whose name contains `term`."""
    _NAMES.append((rank, names))
    _NAMES.sort(key=lambda entry: entry[0])
    if search is not None:
        _SEARCHES.append(search)


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("audit_labels")
        _discovered = True


def actions() -> dict:
    _discover()
    return dict(_ACTIONS)


def prefixes() -> dict:
    _discover()
    return dict(_PREFIXES)


def label_of(code: str) -> str | None:
    """The label of `code`, or of the code after a known prefix with the prefix's label
    after it; None for a code nobody labelled."""
    _discover()
    if code in _ACTIONS:
        return str(_ACTIONS[code])
    for prefix, prefix_label in sorted(_PREFIXES.items(), key=lambda p: -len(p[0])):
        if code.startswith(prefix) and code[len(prefix) :] in _ACTIONS:
            return punctuation.bracketed(str(_ACTIONS[code[len(prefix) :]]), str(prefix_label))
    return None


# The last part of an unlabelled code ("department.archive"), so that an action recorded by
# code newer than its labels still reads as something.
VERBS = {
    "create": gettext_lazy("新建"),
    "update": gettext_lazy("修改"),
    "delete": gettext_lazy("删除"),
    "enable": gettext_lazy("启用"),
    "disable": gettext_lazy("停用"),
    "import": gettext_lazy("导入"),
    "export": gettext_lazy("导出"),
    "grant": gettext_lazy("授权"),
    "revoke": gettext_lazy("撤销授权"),
    "submit": gettext_lazy("提交"),
    "approve": gettext_lazy("通过"),
    "return": gettext_lazy("退回"),
    "close": gettext_lazy("关闭"),
}


def action_label(code: str) -> str:
    """What the audit page shows for `code`: its label; else the verb with the code; else the
    code."""
    label = label_of(code)
    if label is not None:
        return label
    verb = VERBS.get(code.rsplit(".", 1)[-1])
    return punctuation.bracketed(str(verb), code) if verb else code


def actor_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """The name of each account that has one (a person's, else its display name)."""
    ids = sorted({pk for pk in user_ids if pk is not None})
    names: dict[int, str] = {}
    if not ids:
        return names
    _discover()
    for _rank, lookup in _NAMES:
        names.update({pk: name for pk, name in lookup(ids).items() if name})
    return names


def actor_matching(term: str) -> Q:
    """Events whose actor's login or name contains `term`."""
    _discover()
    q = Q(actor_label__icontains=term)
    for search in _SEARCHES:
        q |= Q(actor_id__in=search(term))
    return q


register_actions(
    {
        "module.enable": gettext_lazy("启用模块（全平台）"),
        "module.disable": gettext_lazy("停用模块（全平台）"),
        "column.update": gettext_lazy("修改栏目"),
        "module_setting.enable": gettext_lazy("为单位启用模块"),
        "module_setting.disable": gettext_lazy("为单位停用模块"),
        "module_setting.inherit": gettext_lazy("单位模块改为沿用上级设置"),
        "org_setting.set": gettext_lazy("设置单位参数"),
        "org_setting.inherit": gettext_lazy("单位参数改为沿用上级设置"),
        "audit.verify": gettext_lazy("校验审计链"),
        "job.enqueue": gettext_lazy("提交后台任务"),
        "notification_settings.update": gettext_lazy("修改通知设置"),
        "core.job.download": gettext_lazy("下载后台任务生成的文件"),
        "attachment.save": gettext_lazy("上传附件"),
        "attachment.delete": gettext_lazy("撤回附件"),
        "workday_override.create": gettext_lazy("录入工作日调整"),
        "workday_override.update": gettext_lazy("修改工作日调整"),
        "workday_override.delete": gettext_lazy("删除工作日调整"),
        "workday_year.confirm": gettext_lazy("确认年度节假日已录入"),
        "workday_year.withdraw": gettext_lazy("撤销年度节假日确认"),
        "warning.raise": gettext_lazy("发出预警"),
        "warning.update": gettext_lazy("更新预警"),
        "warning.reopen": gettext_lazy("预警再次发生"),
        "warning.resolve": gettext_lazy("预警条件消除，自动关闭"),
        "warning.check": gettext_lazy("开始核查预警"),
        "warning.confirm": gettext_lazy("确认预警属实"),
        "warning.dismiss": gettext_lazy("排除预警"),
        "warning.close": gettext_lazy("关闭预警"),
        "warning.escalate": gettext_lazy("预警超期升级"),
        "publication.publish": gettext_lazy("公开发布"),
        "publication.withdraw": gettext_lazy("撤回公开发布"),
    }
)
