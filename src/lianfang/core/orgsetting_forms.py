"""The form of 系统维护 › 单位参数: one field per declared setting; left empty, the
organisation follows what it would inherit (its parent's value, or the default)."""

from django import forms
from django.utils.translation import gettext as _

from . import orgsettings
from .forms import style_fields
from .orgsetting_services import INHERIT

INHERIT_FIELD = "{key}__inherit"


def field_name(key: str) -> str:
    return key.replace(".", "__")


class OrgSettingsForm(forms.Form):
    """`resolved`: {key: orgsettings.Resolved} of the organisation; `editable`: the keys the
    user keeps there (the others are shown, disabled)."""

    def __init__(self, *args, resolved, editable, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolved, self.editable = resolved, set(editable)
        for key, state in resolved.items():
            setting = state.setting
            name = field_name(key)
            inherited = self.inherited_display(state)
            if setting.kind == orgsettings.MULTI:
                self.fields[name] = setting.form_field()
                self.fields[INHERIT_FIELD.format(key=name)] = forms.BooleanField(
                    label=_("沿用：%(value)s") % {"value": inherited}, required=False
                )
                self.initial[INHERIT_FIELD.format(key=name)] = not state.has_own
            elif setting.kind in (orgsettings.BOOL, orgsettings.CHOICE):
                field = setting.form_field()
                empty = ("", _("沿用：%(value)s") % {"value": inherited})
                field.choices = [empty, *field.choices]
                field.widget = forms.Select(choices=field.choices)
                self.fields[name] = field
            else:
                field = setting.form_field()
                field.widget.attrs["placeholder"] = _("沿用：%(value)s") % {"value": inherited}
                self.fields[name] = field
            if state.has_own:
                own = state.own
                if setting.kind == orgsettings.BOOL:
                    own = "1" if own else "0"
                self.initial[name] = own
            if key not in self.editable:
                self.fields[name].disabled = True
        style_fields(self)

    @staticmethod
    def inherited_display(state) -> str:
        """What the organisation would have without its own value."""
        if state.has_own:
            # its own value hides what is above it: the page shows the origin separately
            return _("上级或默认值")
        origin = state.origin.name if state.origin is not None else _("默认")
        return f"{state.display}（{origin}）"

    def changes(self) -> dict:
        """{key: value or INHERIT} for the editable settings (the service skips unchanged)."""
        result = {}
        for key, state in self.resolved.items():
            if key not in self.editable:
                continue
            name = field_name(key)
            value = self.cleaned_data.get(name)
            if state.setting.kind == orgsettings.MULTI:
                inherit = self.cleaned_data.get(INHERIT_FIELD.format(key=name))
                result[key] = INHERIT if inherit else list(value or [])
            elif value in (None, ""):
                result[key] = INHERIT
            else:
                result[key] = value
        return result

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def apply_service_errors(self, error) -> None:
        """The service's errors (by setting key) on their fields."""
        for key, messages in error.message_dict.items():
            name = field_name(key)
            self.add_error(name if name in self.fields else None, messages)
