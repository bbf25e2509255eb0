import datetime

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext_lazy as _

from .models import Column
from .services import COLUMN_FIELDS

# Dates that make sense in the platform's records; beyond them a date is a typing slip (and
# 9999-12-31 plus a day overflows).
FIRST_DATE = datetime.date(1900, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)
BAD_DATE = _("日期须在 1900 年至 2100 年之间。")
BAD_NUMBER = _("请输入 %(min)s 至 %(max)s 之间的整数。")
# The columns' ranges on every database (SQLite holds more, PostgreSQL exactly these).
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
DEFAULT_INTEGER = "IntegerField"


def _column_type(form, name) -> str:
    """The integer column type behind form field `name`: its model field's when the form is
    made from a model (`model`, or a ModelForm's), else a plain integer column."""
    model = getattr(form, "model", None) or getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        try:
            internal = model._meta.get_field(name).get_internal_type()
        except FieldDoesNotExist:
            internal = DEFAULT_INTEGER
        if internal in INTEGER_RANGES:
            return internal
    return DEFAULT_INTEGER


def bound_values(form):
    """Refuse, with a message, the dates and integers the database cannot hold or that make
    no sense: dates outside 1900–2100, integers beyond their column's range. A bound the
    field already has is kept when it is narrower."""
    for name, field in form.fields.items():
        if getattr(field, "bounded", False):
            continue
        field.bounded = True
        if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
            field.validators += [
                MinValueValidator(FIRST_DATE, message=BAD_DATE),
                MaxValueValidator(LAST_DATE, message=BAD_DATE),
            ]
        elif isinstance(field, forms.IntegerField) and not isinstance(
            field, forms.FloatField | forms.DecimalField
        ):
            low, high = INTEGER_RANGES[_column_type(form, name)]
            low = low if field.min_value is None else max(low, field.min_value)
            high = high if field.max_value is None else min(high, field.max_value)
            message = BAD_NUMBER % {"min": low, "max": high}
            if field.min_value is None or field.min_value < low:  # else its own bound holds
                field.validators.append(MinValueValidator(low, message=message))
            if field.max_value is None or field.max_value > high:
                field.validators.append(MaxValueValidator(high, message=message))


def style_fields(form):
    """Give every widget of `form` its Bootstrap class (once, after any class it has), and
    bound its dates and integers (`bound_values`): every form of the platform comes here."""
    bound_values(form)
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
