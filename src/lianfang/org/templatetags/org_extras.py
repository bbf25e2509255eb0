import datetime as dt

from django import forms, template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def tenure(start: dt.date | None, end: dt.date | None = None) -> str:
    """How long from `start` to `end` (or today), as 年 and 个月."""
    if start is None:
        return ""
    end = end or timezone.localdate()
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    months = max(months, 0)
    years, months = divmod(months, 12)
    if years and months:
        return _("%(y)s 年 %(m)s 个月") % {"y": years, "m": months}
    if years:
        return _("%(y)s 年") % {"y": years}
    if months:
        return _("%(m)s 个月") % {"m": months}
    return _("不足 1 个月")


@register.filter
def widget_kind(bound_field) -> str:
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


@register.filter
def with_state(bound_field):
    """Render a field's widget, marked invalid when it has errors (Bootstrap styles)."""
    css = bound_field.field.widget.attrs.get("class", "")
    if bound_field.errors:
        css = f"{css} is-invalid"
    attrs = {"class": css}
    if bound_field.help_text:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_help"
    return bound_field.as_widget(attrs=attrs)
