"""Forms of the satisfaction pages: the patient's answer, the result filters, the slips."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.org.forms import FilterForm

from .models import SCALE
from .services import MAX_COMMENT

SCALE_LABELS = {
    1: _("很不满意"),
    2: _("不满意"),
    3: _("一般"),
    4: _("满意"),
    5: _("非常满意"),
}


class AnswerForm(ServiceErrorsMixin, forms.Form):
    """One 1–5 choice per item (`item_<key>`), the person named (optional), a comment, and
    the one-time code when the patient has one."""

    code = forms.CharField(
        label=_("评价码"),
        required=False,
        max_length=20,
        help_text=_("出院小结或缴费凭条上的评价码；没有可不填。"),
    )
    person = forms.TypedChoiceField(
        label=_("想评价的医生或护士（可不选）"), required=False, coerce=int, empty_value=None
    )
    comment = forms.CharField(
        label=_("意见建议（可不填）"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, data=None, *, questionnaire, people, code="", **kwargs):
        super().__init__(data, initial={"code": code}, **kwargs)
        self.items = list(questionnaire.items.all())
        self.fields["person"].choices = [("", _("不指定")), *people]
        for item in self.items:
            self.fields[f"item_{item.key}"] = forms.TypedChoiceField(
                label=item.text,
                choices=[(n, f"{n} {SCALE_LABELS[n]}") for n in SCALE],
                coerce=int,
                widget=forms.RadioSelect,
                required=True,
                error_messages={"required": _("请为这道题打分。")},
            )
        self.order_fields(["code", *[f"item_{i.key}" for i in self.items], "person", "comment"])
        style_fields(self)
        if code:
            self.fields["code"].widget = forms.HiddenInput()

    def item_fields(self):
        return [self[f"item_{item.key}"] for item in self.items]

    def scores(self) -> dict:
        return {item.key: self.cleaned_data[f"item_{item.key}"] for item in self.items}


MONTHS = [(12, _("近 12 个月")), (6, _("近 6 个月")), (3, _("近 3 个月")), (1, _("本月"))]


class ResultFilterForm(FilterForm):
    months = forms.TypedChoiceField(
        label=_("统计期间"), choices=MONTHS, coerce=int, required=False, empty_value=12
    )

    def setup(self):
        del self.fields["q"]


class SlipForm(forms.Form):
    count = forms.IntegerField(label=_("打印数量"), min_value=1, max_value=500, initial=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
