"""Forms of the assessments pages; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.core.models import WarningLevel
from lianfang.org.forms import person_select
from lianfang.org.models import Department, Person

from .models import Measure

MEASURE_ROWS = 3


class PartyForm(forms.Form):
    """Step one of a new assessment: whom (a person or a department of the office's units)."""

    person = forms.ModelChoiceField(Person.objects.none(), label=_("被评估人"), required=False)
    department = forms.ModelChoiceField(
        Department.objects.none(), label=_("或被评估部门"), required=False
    )

    def __init__(self, *args, people, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].widget = person_select()
        self.fields["department"].queryset = departments.select_related("organisation")
        style_fields(self)

    def clean(self):
        data = super().clean()
        if bool(data.get("person")) == bool(data.get("department")):
            raise forms.ValidationError(_("请选择被评估的人员或部门（二者选一）。"))
        return data


class AssessmentForm(ServiceErrorsMixin, forms.Form):
    level = forms.TypedChoiceField(
        label=_("评估结论"), choices=WarningLevel.choices, coerce=int, widget=forms.RadioSelect
    )
    cite = forms.MultipleChoiceField(
        label=_("引用的依据"), required=False, widget=forms.CheckboxSelectMultiple
    )
    findings = forms.CharField(
        label=_("审计发现（每行一条）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    risk_points = forms.ModelMultipleChoiceField(
        queryset=None, label=_("涉及的风险点"), required=False, widget=forms.CheckboxSelectMultiple
    )
    grounds = forms.CharField(
        label=_("结论依据"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    measures = forms.MultipleChoiceField(
        label=_("处置措施"), choices=Measure.choices, widget=forms.CheckboxSelectMultiple
    )
    talk_on = forms.DateField(
        label=_("谈话日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("有谈话措施时填写：回复期限自谈话之日起计 5 个工作日。"),
    )
    requirements = forms.CharField(
        label=_("整改要求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, candidates, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.fields["cite"].choices = [
            (key, f"{c.kind_label}｜{c.text}") for key, c in candidates.items()
        ]
        self.fields["risk_points"].queryset = points
        style_fields(self)


class RectificationForm(ServiceErrorsMixin, forms.Form):
    cause = forms.CharField(
        label=_("原因分析"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    rule_changes = forms.CharField(
        label=_("制度修订"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("新建或修订的制度、流程；没有可不填。"),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(organisation=organisation, active=True)
        departments = Department.objects.filter(organisation=organisation)
        for n in range(1, MEASURE_ROWS + 1):
            self.fields[f"m{n}_text"] = forms.CharField(
                label=_("整改措施 %(n)d") % {"n": n}, required=False, max_length=1000
            )
            self.fields[f"m{n}_person"] = forms.ModelChoiceField(
                people,
                label=_("责任人"),
                required=False,
                widget=person_select(organisation=organisation.pk),
            )
            self.fields[f"m{n}_department"] = forms.ModelChoiceField(
                departments, label=_("或责任部门"), required=False
            )
            self.fields[f"m{n}_due"] = forms.DateField(
                label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        style_fields(self)

    def rows(self):
        """The measure rows as bound fields, for the template."""
        return [
            [self[f"m{n}_{part}"] for part in ("text", "person", "department", "due")]
            for n in range(1, MEASURE_ROWS + 1)
        ]

    def service_data(self) -> dict:
        data = self.cleaned_data
        measures = []
        for n in range(1, MEASURE_ROWS + 1):
            if not data.get(f"m{n}_text"):
                continue
            measures.append(
                {
                    "text": data[f"m{n}_text"],
                    "owner": data.get(f"m{n}_person") or data.get(f"m{n}_department"),
                    "due": data.get(f"m{n}_due"),
                }
            )
        return {"cause": data["cause"], "rule_changes": data["rule_changes"], "measures": measures}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
