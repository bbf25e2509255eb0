"""FastSelect renders the same HTML as Django's Select, without a template per option."""

import re

import pytest
from django import forms

from lianfang.core.widgets import FastSelect
from lianfang.org.models import Department

CHOICES = [("", "全部"), (1, "一级<高>"), ("组", [(2, "二 & 三"), (3, "三")])]


def html(widget, value, **attrs):
    return re.sub(r">\s+<", "><", widget.render("level", value, attrs=attrs).strip())


@pytest.mark.parametrize("value", [None, "", 1, "3", "9"])
def test_the_same_html_as_django_select(value):
    attrs = {"id": "id_level", "required": True, "disabled": False, "data-x": '"q"'}
    django_select = forms.Select(choices=CHOICES, attrs={"class": "form-select"})
    fast = FastSelect(choices=CHOICES, attrs={"class": "form-select"})
    assert html(fast, value, **attrs) == html(django_select, value, **attrs)


def test_model_choices_render_alike(world):
    field = forms.ModelChoiceField(Department.objects.order_by("pk"), empty_label="全部科室")
    fast = FastSelect()
    fast.choices = field.choices
    field.widget.choices = field.choices
    chosen = world.cardiology.pk
    assert html(fast, chosen) == html(field.widget, chosen)
    assert f'<option value="{chosen}" selected>' in html(fast, chosen)
