"""Typed settings per organisation (单位参数): thresholds, time limits, what is public.

Each app declares its settings once, with a type, a default, bounds and who keeps it
(`register(Setting(...))` in the app's `org_settings.py`, imported by its `ready()`). A value
is stored only where an organisation departs from what it would inherit (`core.OrgSetting`,
written by `services.org_setting_set` / `org_setting_clear`, each an audit event). Reading
walks the organisation's path: its own value, else its nearest ancestor's, else the declared
default, so a commission can set a threshold for all its hospitals and one hospital keep its
own. A value read back is always of the declared type and within its bounds: a stored value
that no longer validates (a bound tightened in a later release) falls back to what would be
inherited, and the page says so.

    from lianfang.core import orgsettings
    days = orgsettings.value(organisation, "dashboard.due_soon_days")
    values = orgsettings.values_for(organisations, ["risks.min_manifestation_chars"])  # one query

There is no untyped key-value bag: a key that was not declared is refused on write and on read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

INT, BOOL, CHOICE, MULTI = "int", "bool", "choice", "multi"
KINDS = (INT, BOOL, CHOICE, MULTI)


@dataclass(frozen=True)
class Setting:
    """One declared setting. `key` is "<app label>.<name>"; `owners` are the roles that keep
    it on their organisations and those below (administrators by default); `unit` is shown
    after an integer ("天", "个字")."""

    key: str
    label: Any
    kind: str
    default: Any
    help: Any = ""
    group: Any = ""
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    unit: Any = ""
    owners: tuple[str, ...] = ()
    order: int = 100
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown kind {self.kind!r}")
        if "." not in self.key:
            raise ValueError(f"{self.key}: a key is '<app>.<name>'")
        if self.kind in (CHOICE, MULTI) and not self.choices:
            raise ValueError(f"{self.key}: a choice setting declares its choices")
        self.clean(self.default)  # a default that does not validate is a programming error

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]

    def clean(self, value):
        """`value` as the declared type, or ValidationError with a message for the page."""
        if self.kind == INT:
            if isinstance(value, bool) or not isinstance(value, int):
                try:
                    value = int(str(value).strip())
                except (TypeError, ValueError):
                    raise ValidationError(_("请填写整数。")) from None
            if self.minimum is not None and value < self.minimum:
                raise ValidationError(_("不能小于 %(n)s。") % {"n": self.minimum})
            if self.maximum is not None and value > self.maximum:
                raise ValidationError(_("不能大于 %(n)s。") % {"n": self.maximum})
            return value
        if self.kind == BOOL:
            if not isinstance(value, bool):
                raise ValidationError(_("请选择是或否。"))
            return value
        allowed = [code for code, _label in self.choices]
        if self.kind == CHOICE:
            if value not in allowed:
                raise ValidationError(_("请选择列出的选项之一。"))
            return value
        if not isinstance(value, list | tuple) or any(v not in allowed for v in value):
            raise ValidationError(_("请选择列出的选项。"))
        return [code for code in allowed if code in value]  # declared order, no duplicates

    def display(self, value) -> str:
        if self.kind == BOOL:
            return _("是") if value else _("否")
        labels = dict(self.choices)
        if self.kind == CHOICE:
            return str(labels.get(value, value))
        if self.kind == MULTI:
            return "、".join(str(labels[v]) for v in value) or _("（无）")
        return f"{value}{' ' + str(self.unit) if self.unit else ''}"

    def form_field(self, *, required: bool = True) -> forms.Field:
        common = {"label": self.label, "help_text": self.help, "required": False}
        if self.kind == INT:
            return forms.IntegerField(min_value=self.minimum, max_value=self.maximum, **common)
        if self.kind == BOOL:
            return forms.TypedChoiceField(
                choices=[("1", _("是")), ("0", _("否"))],
                coerce=lambda v: v == "1",
                widget=forms.RadioSelect,
                **common,
            )
        if self.kind == CHOICE:
            return forms.ChoiceField(choices=self.choices, **common)
        return forms.MultipleChoiceField(
            choices=self.choices, widget=forms.CheckboxSelectMultiple, **common
        )


_SETTINGS: dict[str, Setting] = {}


def register(*settings: Setting) -> None:
    for setting in settings:
        if setting.key in _SETTINGS and _SETTINGS[setting.key] != setting:
            raise ValueError(f"setting {setting.key} declared twice")
        _SETTINGS[setting.key] = setting


def declared() -> list[Setting]:
    """Every declared setting, by group and order."""
    return sorted(_SETTINGS.values(), key=lambda s: (str(s.group), s.order, s.key))


def get(key: str) -> Setting:
    try:
        return _SETTINGS[key]
    except KeyError:
        raise LookupError(f"no setting {key!r} is declared") from None


@dataclass(frozen=True)
class Resolved:
    """A setting's value in one organisation, and where it comes from: the organisation's
    own value (`own`), an ancestor's (`origin` is that organisation) or the default (neither).
    `invalid` is a stored value of this organisation that no longer validates."""

    setting: Setting
    value: Any
    own: Any = None
    has_own: bool = False
    origin: Any = None
    invalid: bool = False

    @property
    def display(self) -> str:
        return self.setting.display(self.value)


def _valid(setting: Setting, raw) -> tuple[bool, Any]:
    try:
        return True, setting.clean(raw)
    except ValidationError:
        return False, None


def resolve(organisations, keys=None) -> dict[tuple[int, str], Resolved]:
    """Each setting's value in each organisation, by (organisation pk, key). One query."""
    from .models import OrgSetting
    from .selectors import path_ids

    settings = [get(k) for k in keys] if keys is not None else declared()
    organisations = list(organisations)
    ids = {i for org in organisations for i in path_ids(org.path)}
    stored = {
        (row.organisation_id, row.key): row
        for row in OrgSetting.objects.filter(
            organisation_id__in=ids, key__in=[s.key for s in settings]
        ).select_related("organisation")
    }
    result = {}
    for org in organisations:
        above = path_ids(org.path)[-2::-1]  # the parent first, up to the root
        for setting in settings:
            own_row = stored.get((org.pk, setting.key))
            own_ok, own = _valid(setting, own_row.value) if own_row else (False, None)
            value, origin = setting.default, None
            for pk in above:
                row = stored.get((pk, setting.key))
                ok, inherited = _valid(setting, row.value) if row else (False, None)
                if ok:
                    value, origin = inherited, row.organisation
                    break
            if own_ok:
                value, origin = own, None
            result[org.pk, setting.key] = Resolved(
                setting=setting,
                value=value,
                own=own,
                has_own=own_ok,
                origin=origin,
                invalid=own_row is not None and not own_ok,
            )
    return result


def values_for(organisations, keys) -> dict[tuple[int, str], Any]:
    """The plain values, by (organisation pk, key). One query."""
    return {k: r.value for k, r in resolve(organisations, keys).items()}


def value(organisation, key: str):
    """One setting's value in one organisation (`None`: the platform, its default). One query."""
    if organisation is None:
        return get(key).default
    return resolve([organisation], [key])[organisation.pk, key].value
