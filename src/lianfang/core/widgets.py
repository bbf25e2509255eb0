"""Form widgets shared by every app."""

from urllib.parse import urlencode

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _


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


class SearchSelect(FastSelect):
    """A choice among many objects (people of a hospital: 1,500), searched as the user types.

    app.js turns every `select[data-lf-search]` into a Tom Select box that asks `url` (a JSON
    endpoint answering `{"results": [{"id", "text"}…], "more"}` for `?q=`, with `params`
    added) and shows exactly what the server found: the server matches names, numbers and
    pinyin initials, which the browser cannot. A list of at most `full_list_max` choices is
    rendered whole (in the one query a plain select makes), so the plain <select> works
    without JavaScript; a longer one renders only the chosen option(s) and needs the search.
    The form field still validates against its own queryset: the endpoint's `params` should
    narrow the search to it.
    """

    full_list_max = 200

    def __init__(self, url, *, params=None, no_results=None, attrs=None, full_list_max=None):
        super().__init__(attrs=attrs)
        self.url = url
        self.params = dict(params or {})
        self.no_results = no_results
        if full_list_max is not None:
            self.full_list_max = full_list_max

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.params = dict(self.params)
        return copy

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-lf-search"] = str(self.url)
        if self.params:
            attrs["data-lf-search-params"] = urlencode(self.params)
        attrs["data-lf-no-results"] = str(self.no_results or _("没有找到"))
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        return attrs

    def render(self, name, value, attrs=None, renderer=None):
        full = self.choices
        queryset = getattr(full, "queryset", None)
        if queryset is None:
            return super().render(name, value, attrs, renderer)
        empty = [("", full.field.empty_label)] if full.field.empty_label is not None else []
        first = list(queryset[: self.full_list_max + 1])  # the one query of a short list
        if len(first) <= self.full_list_max:
            shown, extra = first, {}
        else:
            chosen = [
                int(v)
                for v in self.format_value(value)
                if str(v).isascii() and str(v).isdigit() and int(v) < 2**63
            ]
            shown = list(queryset.filter(pk__in=chosen)) if chosen else []
            extra = {"data-lf-search-only": "1"}
        self.choices = [*empty, *(full.choice(obj) for obj in shown)]
        try:
            return super().render(name, value, {**(attrs or {}), **extra}, renderer)
        finally:
            self.choices = full


class SearchSelectMultiple(SearchSelect):
    """SearchSelect choosing several (a list of people)."""

    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty multiple select sends nothing
