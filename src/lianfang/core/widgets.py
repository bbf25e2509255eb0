"""Form widgets shared by every app."""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A single <select> rendered in Python.

    Django renders every option through a template (about 0.2 ms an option here); the
    register's filters offer some 300 options for one hospital, which made the filter form
    cost more than the register's queries. The HTML is the same as Django's.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}
        selected = {str(v) for v in self.format_value(value)}
        parts = ["<select"]
        for key, attr in final_attrs.items():  # in Django's order: name first
            if attr is True:
                parts.append(format_html(" {}", key))
            elif attr is not False and attr is not None:
                parts.append(format_html(' {}="{}"', key, attr))
        parts.append(">")
        for option_value, option_label in self.choices:
            if isinstance(option_label, list | tuple):  # an optgroup
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(self._option(v, label, selected) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html

    @staticmethod
    def _option(value, label, selected) -> str:
        value = "" if value is None else str(value)
        return format_html(
            '<option value="{}"{}>{}</option>',
            value,
            mark_safe(" selected") if value in selected else "",
            label,
        )
