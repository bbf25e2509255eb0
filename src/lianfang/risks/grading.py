"""Grading: turn a risk point's likelihood, harm, matter kind or criteria into a level.

A scheme is data (risks.models.GradingScheme); grading is a lookup in it. The defaults here
are those institutions use: a 3×3 likelihood × harm matrix, the kinds of matter by level,
criteria counts (3+ → 一级, 2 → 二级, 1 → 三级), and monitors and review intervals per level.

MATTER_KINDS and CRITERIA are the one list of kinds of matter (事项性质) and criteria (符合条件):
forms, the register import and export, and the standard-library loader read them here.
"""

from django.utils.translation import gettext_lazy as _

from . import sectors
from .models import GradingScheme, MonitorRole, RiskPoint

# Kinds of matter by level: the 三重一大 matters and major enforcement are level 1, routine
# approvals and management level 2, day-to-day service level 3. The list holds every
# sector's kinds; MATTER_KINDS_BY_SECTOR says which a sector's default scheme grades.
MATTER_KINDS = {
    1: {
        "major_decision": _("重大事项决策"),
        "major_appointment": _("重要干部任免"),
        "major_project": _("重要项目安排"),
        "large_funds": _("大额度资金使用"),
        "major_enforcement": _("重大行政执法行为"),
    },
    2: {
        "personnel": _("人事管理"),
        "finance": _("财务管理"),
        "licensing_approval": _("行政许可审批"),
        "penalty_approval": _("行政处罚审批"),
        "discretion": _("自由裁量权使用"),
        "confiscated_goods": _("罚没物品入库及处理"),
        "vehicles": _("公车管理使用和维修"),
        "reception": _("公务接待"),
        "licensing_review": _("行政许可受理和审查"),
        "routine_inspection": _("日常巡查监管"),
        "case_review": _("行政处罚案件核审"),
        "medical_procurement": _("药品耗材和设备采购"),
        "qualification_review": _("准入和资质审核"),
        "privilege_grant": _("医疗技术和处方权限授权"),
        "medical_billing": _("医疗收费和医保结算"),
        "donations": _("接受捐赠和赞助"),
        "medical_dispute": _("医疗纠纷处理"),
    },
    3: {
        "annual_inspection": _("年检验照"),
        "complaints_letters": _("投诉举报、来信来访"),
        "office_purchase": _("办公用品采购"),
        "public_property": _("公物管理"),
        "service_conduct": _("服务规范"),
    },
}
MATTER_LABELS = {key: label for kinds in MATTER_KINDS.values() for key, label in kinds.items()}

_MAJOR_MATTERS = ("major_decision", "major_appointment", "major_project", "large_funds")
_ROUTINE_MATTERS = ("complaints_letters", "office_purchase", "public_property", "service_conduct")
# The kinds of matter a sector's default scheme grades (sectors.py: an organisation's sector
# follows its kind); an organisation of no sector gets them all.
MATTER_KINDS_BY_SECTOR = {
    sectors.HOSPITAL: (
        *_MAJOR_MATTERS,
        "personnel",
        "finance",
        "medical_procurement",
        "qualification_review",
        "privilege_grant",
        "medical_billing",
        "donations",
        "discretion",
        "medical_dispute",
        "vehicles",
        "reception",
        *_ROUTINE_MATTERS,
    ),
    sectors.GOVERNMENT: (
        *_MAJOR_MATTERS,
        "major_enforcement",
        "personnel",
        "finance",
        "licensing_approval",
        "penalty_approval",
        "discretion",
        "confiscated_goods",
        "vehicles",
        "reception",
        "licensing_review",
        "routine_inspection",
        "case_review",
        "annual_inspection",
        *_ROUTINE_MATTERS,
    ),
    sectors.ENTERPRISE: (
        *_MAJOR_MATTERS,
        "personnel",
        "finance",
        "discretion",
        "vehicles",
        "reception",
        *_ROUTINE_MATTERS,
    ),
}


def matter_kinds_for(organisation) -> list[str]:
    """The kinds of matter that suit `organisation`'s sector, in MATTER_KINDS order."""
    suited = MATTER_KINDS_BY_SECTOR.get(sectors.sector_of(organisation))
    return [key for key in MATTER_LABELS if suited is None or key in suited]


CRITERIA = {
    "controls_people": _("管人"),
    "controls_money_goods": _("管钱管物"),
    "discretion": _("有自由裁量权"),
    "disclosure_or_collective": _("需公开或集体决策"),
    "indirect_leverage": _("可间接施加影响"),
    "high_incidence": _("案件易发多发领域"),
}

DEFAULT_MONITORS = {
    "1": [MonitorRole.PRINCIPAL_LEADER.value, MonitorRole.INTEGRITY_OFFICE.value],
    "2": [
        MonitorRole.LEADER_IN_CHARGE.value,
        MonitorRole.INTEGRITY_OFFICE.value,
        MonitorRole.DEPARTMENT_HEAD.value,
    ],
    "3": [MonitorRole.DEPARTMENT_HEAD.value, MonitorRole.INTEGRITY_OFFICE.value],
}
DEFAULT_REVIEW_DAYS = {"1": 90, "2": 180, "3": 365}
DEFAULT_CRITERIA_LEVELS = [[3, 1], [2, 2], [1, 3]]


def default_grid(size: int) -> list[list[int]]:
    """A symmetric grid by score L×C: the top third of scores is 一级, the next 二级, the rest 三级.

    For 3×3: scores 6–9 → 一级, 3–4 → 二级, 1–2 → 三级.
    For 5×5: scores 15–25 → 一级, 8–12 → 二级, 1–6 → 三级.
    """
    high, mid = {3: (6, 3), 4: (9, 4), 5: (15, 8)}[size]
    return [
        [1 if (l * c) >= high else 2 if (l * c) >= mid else 3 for c in range(1, size + 1)]
        for l in range(1, size + 1)  # noqa: E741
    ]


def default_scheme_values(
    method: str = GradingScheme.Method.MATRIX, size: int = 3, organisation=None
) -> dict:
    """The default scheme: a size×size matrix (or the method given), grading by kind of
    matter the kinds of `organisation`'s sector (all kinds without one)."""
    kinds = set(matter_kinds_for(organisation))
    return {
        "method": method,
        "matrix_size": size,
        "grid": default_grid(size),
        "matter_levels": {
            key: level for level, keys in MATTER_KINDS.items() for key in keys if key in kinds
        },
        "criteria_levels": [list(pair) for pair in DEFAULT_CRITERIA_LEVELS],
        "monitors": {k: list(v) for k, v in DEFAULT_MONITORS.items()},
        "review_days": dict(DEFAULT_REVIEW_DAYS),
    }


# What each score of likelihood (可能性 L) and harm (危害程度 C) means, by the size of the
# scheme's matrix (3×3, 4×4, 5×5): the words a person grading a risk point reads beside the
# numbers. The scale's ends mean the same on every size.
SCORE_MEANINGS = {
    "likelihood": {
        3: (_("极少发生"), _("可能发生"), _("经常发生")),
        4: (_("极少发生"), _("偶尔发生"), _("可能发生"), _("经常发生")),
        5: (_("极少发生"), _("偶尔发生"), _("可能发生"), _("较常发生"), _("经常发生")),
    },
    "harm": {
        3: (_("影响轻微"), _("影响较大"), _("影响严重")),
        4: (_("影响轻微"), _("影响一般"), _("影响较大"), _("影响严重")),
        5: (_("影响轻微"), _("影响一般"), _("影响较大"), _("影响严重"), _("影响特别严重")),
    },
}


def score_meanings(scheme: GradingScheme, field: str) -> list[tuple[int, str]]:
    """[(score, meaning)] of `field` ("likelihood" or "harm") on `scheme`'s matrix size."""
    size = scheme.matrix_size
    words = SCORE_MEANINGS[field].get(size) or ("",) * size
    return [(n, str(words[n - 1])) for n in range(1, size + 1)]


def score_choices(scheme: GradingScheme, field: str) -> list[tuple[int, str]]:
    """The scores of `field` as choices that say what they mean: (1, "1 = 极少发生")."""
    return [
        (n, f"{n} = {meaning}" if meaning else str(n))
        for n, meaning in score_meanings(scheme, field)
    ]


def rescale(value: int | None, from_size: int, to_size: int) -> int | None:
    """Map a 1..from_size score onto 1..to_size, keeping the ends (3 on 1..3 → 5 on 1..5)."""
    if value is None or from_size == to_size:
        return value
    return 1 + round((value - 1) * (to_size - 1) / (from_size - 1))


def grade(scheme: GradingScheme, *, likelihood=None, harm=None, matter_kind="", criteria=()):
    """The level (1, 2, 3) the scheme gives, or None when the inputs it needs are missing."""
    if scheme.method == GradingScheme.Method.MATRIX:
        size = scheme.matrix_size
        if not likelihood or not harm or not (1 <= likelihood <= size and 1 <= harm <= size):
            return None
        return int(scheme.grid[likelihood - 1][harm - 1])
    if scheme.method == GradingScheme.Method.MATTER:
        level = scheme.matter_levels.get(matter_kind or "")
        return int(level) if level else None
    met = len(set(criteria or ()))
    for minimum, level in scheme.criteria_levels:
        if met >= int(minimum):
            return int(level)
    return None


def grade_point(scheme: GradingScheme, point) -> int | None:
    return grade(
        scheme,
        likelihood=point.likelihood,
        harm=point.harm,
        matter_kind=point.matter_kind,
        criteria=point.criteria,
    )


def monitor_roles(scheme: GradingScheme, level: int | None) -> list[str]:
    if not level:
        return []
    return list(scheme.monitors.get(str(level), []))


def review_interval_days(scheme: GradingScheme, level: int | None) -> int | None:
    if not level:
        return None
    days = scheme.review_days.get(str(level))
    return int(days) if days else None


def active_scheme(organisation) -> GradingScheme:
    """The organisation's active scheme: its own, else the nearest ancestor's, else the
    default 3×3 matrix (unsaved; an officer saves a scheme through the services)."""
    ids = organisation.ancestors_ids() or [organisation.pk]
    schemes = {
        s.organisation_id: s for s in GradingScheme.objects.active().filter(organisation_id__in=ids)
    }
    for org_id in reversed(ids):
        if org_id in schemes:
            return schemes[org_id]
    return default_scheme(organisation)


def label(scheme: GradingScheme) -> str:
    """A short description: "5×5 矩阵", "按事项性质"…"""
    if scheme.method == GradingScheme.Method.MATRIX:
        return str(_("%(n)s×%(n)s 矩阵") % {"n": scheme.matrix_size})
    return str(GradingScheme.Method(scheme.method).label)


def default_scheme(organisation) -> GradingScheme:
    """The unsaved default 3×3 matrix an organisation uses when no scheme applies."""
    return GradingScheme(
        organisation=organisation,
        name=str(_("默认 3×3 矩阵")),
        active=True,
        **default_scheme_values(organisation=organisation),
    )


def schemes_for(organisations) -> dict[int, GradingScheme]:
    """Each organisation's active scheme (its own, the nearest ancestor's, or the default),
    keyed by organisation id, in one query whatever the number of organisations."""
    organisations = list(organisations)
    ids = {i for org in organisations for i in (org.ancestors_ids() or [org.pk])}
    own = {
        s.organisation_id: s
        for s in GradingScheme.objects.active()
        .filter(organisation_id__in=ids)
        .select_related("organisation")
    }
    result = {}
    for org in organisations:
        chain = org.ancestors_ids() or [org.pk]
        found = next((own[i] for i in reversed(chain) if i in own), None)
        result[org.pk] = found or default_scheme(org)
    return result


def governed_organisations(organisation) -> list:
    """The organisations whose risk points `organisation`'s own active scheme grades: itself
    and the descendants without an active scheme of their own (nor of a unit between)."""
    from lianfang.org.models import Organisation

    nodes = list(Organisation.objects.filter(path__startswith=organisation.path).order_by("depth"))
    own = set(
        GradingScheme.objects.active()
        .filter(organisation__in=nodes)
        .exclude(organisation=organisation)
        .values_list("organisation_id", flat=True)
    )
    shielded = [n.path for n in nodes if n.pk in own]
    return [n for n in nodes if not any(n.path.startswith(p) for p in shielded)]


def governed_points(organisation):
    """The current (not retired) risk points a scheme of `organisation` would grade."""
    return RiskPoint.objects.in_use().filter(
        organisation__in=[o.pk for o in governed_organisations(organisation)]
    )
