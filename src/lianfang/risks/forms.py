"""Forms of the grading scheme and generic phrase pages. They parse; the rules live in
services.py, whose errors the views put back on these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import ServiceErrorsMixin, style_fields

from . import grading
from .models import LEVEL_SHORT, GenericPhrase, GradingScheme, Level, MonitorRole
from .selectors import GLOBAL

LEVELS = (1, 2, 3)
LEVEL_CHOICES = [(str(v), f"{LEVEL_SHORT[v]}（{Level(v).label}）") for v in LEVELS]
SHORT_CHOICES = [(str(v), LEVEL_SHORT[v]) for v in LEVELS]  # a matrix cell: 高 / 中 / 低
SIZES = (3, 4, 5)


class SchemeForm(ServiceErrorsMixin, forms.Form):
    """A grading scheme: the matrix grid, matter kinds, criteria counts, monitors and review
    intervals per level, all on one form. The matrix size is fixed per form: a new size is a
    new scheme."""

    name = forms.CharField(label=_("名称"), max_length=80, required=False)
    method = forms.ChoiceField(
        label=_("定级方法"), choices=GradingScheme.Method.choices, widget=forms.RadioSelect
    )
    matrix_size = forms.TypedChoiceField(
        label=_("矩阵阶数"),
        choices=[(n, f"{n}×{n}") for n in SIZES],
        coerce=int,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, size: int, kinds=None, **kwargs):
        """`kinds`: the kinds of matter offered (the organisation's sector's, and those the
        scheme grades already); every kind when None."""
        super().__init__(*args, **kwargs)
        self.size = size
        self.kinds = [k for k in grading.MATTER_LABELS if kinds is None or k in set(kinds)]
        self.fields["matrix_size"].initial = size
        for likelihood in range(1, size + 1):
            for harm in range(1, size + 1):
                self.fields[f"grid_{likelihood}_{harm}"] = forms.TypedChoiceField(
                    label=_("可能性 %(l)s · 危害程度 %(c)s") % {"l": likelihood, "c": harm},
                    choices=SHORT_CHOICES,
                    coerce=int,
                    widget=forms.Select(attrs={"data-level-select": ""}),
                )
        for key in self.kinds:
            self.fields[f"matter_{key}"] = forms.TypedChoiceField(
                label=grading.MATTER_LABELS[key],
                choices=[("", _("不按此定级"))] + LEVEL_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )
        for level in LEVELS:
            name = Level(level).label
            self.fields[f"criteria_{level}"] = forms.IntegerField(
                label=_("%(level)s：符合条件至少") % {"level": name},
                min_value=1,
                max_value=len(grading.CRITERIA),
                required=False,
            )
            self.fields[f"monitors_{level}"] = forms.MultipleChoiceField(
                label=_("%(level)s监控人") % {"level": name},
                choices=MonitorRole.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            self.fields[f"review_{level}"] = forms.IntegerField(
                label=_("%(level)s复核周期（天）") % {"level": name},
                min_value=1,
                max_value=3650,
            )
        style_fields(self)

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        """Form initial data from scheme values (a scheme's fields or the defaults)."""
        initial = {
            "name": values.get("name", ""),
            "method": values["method"],
            "matrix_size": values["matrix_size"],
        }
        for l_index, row in enumerate(values["grid"], start=1):
            for c_index, level in enumerate(row, start=1):
                initial[f"grid_{l_index}_{c_index}"] = str(level)
        for key in grading.MATTER_LABELS:
            level = values["matter_levels"].get(key)
            initial[f"matter_{key}"] = str(level) if level else ""
        for minimum, level in values["criteria_levels"]:
            initial[f"criteria_{level}"] = minimum
        for level in LEVELS:
            initial[f"monitors_{level}"] = list(values["monitors"].get(str(level), []))
            initial[f"review_{level}"] = values["review_days"].get(str(level))
        return initial

    def values(self) -> dict:
        """The scheme values for services.scheme_save."""
        data = self.cleaned_data
        size = self.size
        return {
            "name": data["name"],
            "method": data["method"],
            "matrix_size": size,
            "grid": [
                [data[f"grid_{row}_{col}"] for col in range(1, size + 1)]
                for row in range(1, size + 1)
            ],
            "matter_levels": {
                key: data[f"matter_{key}"] for key in self.kinds if data.get(f"matter_{key}")
            },
            "criteria_levels": [
                [data[f"criteria_{level}"], level]
                for level in LEVELS
                if data.get(f"criteria_{level}")
            ],
            "monitors": {str(level): data[f"monitors_{level}"] for level in LEVELS},
            "review_days": {str(level): data[f"review_{level}"] for level in LEVELS},
        }

    def grid_rows(self):
        """Bound grid fields by row, highest likelihood first (as the heat map reads)."""
        size = self.size
        return [
            (row, [self[f"grid_{row}_{col}"] for col in range(1, size + 1)])
            for row in range(size, 0, -1)
        ]

    def matter_groups(self):
        """Matter kind fields grouped by the seed's default level."""
        offered = set(self.kinds)
        return [
            (Level(level).label, [self[f"matter_{key}"] for key in kinds if key in offered])
            for level, kinds in grading.MATTER_KINDS.items()
        ]

    def level_rows(self):
        return [
            {
                "level": level,
                "label": Level(level).label,
                "short": LEVEL_SHORT[level],
                "criteria": self[f"criteria_{level}"],
                "monitors": self[f"monitors_{level}"],
                "review": self[f"review_{level}"],
            }
            for level in LEVELS
        ]


class NewSchemeForm(forms.Form):
    """Choose the method and size of a new scheme (GET)."""

    method = forms.ChoiceField(choices=GradingScheme.Method.choices, required=False)
    size = forms.TypedChoiceField(choices=[(n, n) for n in SIZES], coerce=int, required=False)


class PhraseForm(ServiceErrorsMixin, forms.Form):
    organisation = forms.ChoiceField(label=_("适用范围"))
    kind = forms.ChoiceField(
        label=_("适用于"),
        choices=GenericPhrase.Kind.choices,
        initial=GenericPhrase.Kind.POINT,
        required=False,
    )
    phrase = forms.CharField(label=_("空泛表述"), max_length=60)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, organisations, allow_global: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        choices = [(GLOBAL, _("全局（所有单位）"))] if allow_global else []
        choices += [(pk, o.name) for pk, o in self.organisations.items()]
        self.fields["organisation"].choices = choices
        style_fields(self)

    def clean_organisation(self):
        value = self.cleaned_data["organisation"]
        return None if value == GLOBAL else self.organisations[value]

    def clean_kind(self):
        return self.cleaned_data["kind"] or GenericPhrase.Kind.POINT


class PhraseFilterForm(forms.Form):
    organisation = forms.ChoiceField(label=_("适用范围"), required=False)
    kind = forms.ChoiceField(
        label=_("适用于"),
        required=False,
        choices=[("", _("风险点和防控措施")), *GenericPhrase.Kind.choices],
    )
    q = forms.CharField(label=_("搜索"), required=False)
    active = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("1", _("启用")), ("0", _("停用"))],
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            ("", _("全部范围")),
            (GLOBAL, _("全局")),
        ] + [(str(o.pk), o.name) for o in organisations]
        style_fields(self)

    @property
    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return self.cleaned_data
