"""The campaign form: it parses only; `services` validates (phases in order, scope)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin, style_fields
from lianfang.org.models import Department, Organisation

from .models import PHASE_ORDER, Campaign, Phase


def _date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("单位"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("名称"), max_length=120)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    scope = forms.ChoiceField(label=_("范围"), choices=Campaign.Scope.choices)
    departments = forms.ModelMultipleChoiceField(
        label=_("排查科室"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("范围为“指定科室”时选择"),
    )
    leaders_after_departments = forms.BooleanField(
        label=_("领导班子在所分管科室全部备案后再提交（自下而上）"), required=False, initial=True
    )
    upward_review_days = forms.IntegerField(
        label=_("职工意见征求期（工作日）"),
        min_value=0,
        max_value=30,
        initial=5,
        required=False,
        help_text=_(
            "领导班子成员的风险点报纪检监察部门后，其分管科室干部职工可提意见的工作日数；"
            "0 表示不征求。"
        ),
    )
    previous = forms.ModelChoiceField(
        label=_("沿用上一轮排查"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, organisations, campaigns, fixed_organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        for phase in PHASE_ORDER:
            label = Phase(phase).label
            self.fields[f"phase_{phase}_start"] = forms.DateField(
                label=_("%(phase)s 开始") % {"phase": label}, widget=_date(), required=False
            )
            self.fields[f"phase_{phase}_end"] = forms.DateField(
                label=_("%(phase)s 结束") % {"phase": label}, widget=_date(), required=False
            )
        self.fields["organisation"].queryset = organisations
        self.fields["departments"].queryset = Department.objects.filter(
            organisation__in=organisations, active=True
        ).select_related("organisation")
        self.fields["previous"].queryset = campaigns
        if fixed_organisation is not None:
            self.fields["organisation"].initial = fixed_organisation.pk
            self.fields["organisation"].disabled = True
        style_fields(self)

    def data_for_service(self) -> dict:
        c = self.cleaned_data
        phases = {p: (c.get(f"phase_{p}_start"), c.get(f"phase_{p}_end")) for p in PHASE_ORDER}
        return {
            "name": c["name"],
            "year": c["year"],
            "scope": c["scope"],
            "departments": list(c.get("departments") or []),
            "leaders_after_departments": c.get("leaders_after_departments", False),
            "upward_review_days": c.get("upward_review_days"),
            "previous": c.get("previous"),
            "phases": phases,
        }

    def apply_service_errors(self, error):
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                if field.startswith("phase_"):
                    field = f"{field}_start"
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


def initial_of(campaign: Campaign) -> dict:
    initial = {
        "organisation": campaign.organisation_id,
        "name": campaign.name,
        "year": campaign.year,
        "scope": campaign.scope,
        "departments": list(campaign.departments.all()),
        "leaders_after_departments": campaign.leaders_after_departments,
        "upward_review_days": campaign.upward_review_days,
        "previous": campaign.previous_id,
    }
    for p in campaign.phases.all():
        initial[f"phase_{p.phase}_start"] = p.start
        initial[f"phase_{p.phase}_end"] = p.end
    return initial
