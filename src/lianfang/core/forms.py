from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Column
from .services import COLUMN_FIELDS


def style_fields(form):
    """Give every widget of `form` its Bootstrap class (once, after any class it has)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
        ):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "")
        if css not in classes.split():
            widget.attrs["class"] = f"{classes} {css}".strip()


class BootstrapFormMixin:
    """Bootstrap classes on widgets (is-invalid after validation), for includes/form.html."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class ServiceErrorsMixin:
    """For forms whose data goes to a service: the service's `ValidationError` goes back on
    the form (see `core.pages`)."""

    # The field all of a service's errors go on (the one whose value the service refused);
    # None: each on its own field, the others (parts of an object that are not single
    # fields, or about the whole) on the form.
    service_errors_field: str | None = None

    def apply_service_errors(self, error: ValidationError):
        if self.service_errors_field is not None:
            self.add_error(self.service_errors_field, error.messages)
        elif hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class ColumnForm(ServiceErrorsMixin, BootstrapFormMixin, forms.ModelForm):
    """A column's settings; the view saves through services.column_update."""

    class Meta:
        model = Column
        fields = COLUMN_FIELDS
        help_texts = {
            "title_en": _("英文界面显示的标题，留空时显示中文标题。"),
            "visible": _("取消后该栏目不在菜单和门户中显示。"),
            "public": _("勾选后该栏目在对外公开门户中展示，无需登录即可查看。"),
            "order": _("数字越小越靠前。"),
        }
        error_messages = {"title": {"required": _("标题不能为空。")}}

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("标题不能为空。"))
        return title


INHERIT, ON, OFF = "inherit", "on", "off"
_VALUES = {INHERIT: None, ON: True, OFF: False}


class OrganisationModulesForm(forms.Form):
    """An organisation's own switch of each module: follow the parent, on, or off.

    One required choice per module, named by its code; `choices()` gives the service's
    {Module: True, False or None}. The template draws each as a row of three buttons.
    """

    def __init__(self, *args, modules, states, **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = modules
        for module in modules:
            state = states[module.pk]
            follow = _("沿用上级（启用）") if state.inherited else _("沿用上级（停用）")
            self.fields[module.code] = forms.ChoiceField(
                label=module.name,
                choices=[(INHERIT, follow), (ON, _("启用")), (OFF, _("停用"))],
                widget=forms.RadioSelect,
                initial={None: INHERIT, True: ON, False: OFF}[state.own],
                error_messages={"required": _("请选择“%(name)s”的设置。") % {"name": module.name}},
            )

    def choices(self) -> dict:
        return {module: _VALUES[self.cleaned_data[module.code]] for module in self.modules}
