"""The forms of 系统维护 › 工作日历; what they take goes to `workday_services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import BootstrapFormMixin, ServiceErrorsMixin, style_fields
from .models import WorkdayOverride
from .workday_selectors import PLATFORM
from .workday_services import FIRST_YEAR, LAST_YEAR


def _date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class OwnerChoiceMixin:
    """An `organisation` choice among the owners the user keeps the calendar for: the
    platform (PLATFORM) and their organisations. Cleaned to None (the platform) or the
    organisation."""

    def set_owners(self, *, platform: bool, organisations):
        self.owners = {str(o.pk): o for o in organisations}
        choices = [(PLATFORM, _("全平台"))] if platform else []
        choices += [(pk, o.name) for pk, o in self.owners.items()]
        self.fields["organisation"].choices = choices

    def clean_organisation(self):
        value = self.cleaned_data["organisation"]
        return None if value == PLATFORM else self.owners[value]


class WorkdayOverrideForm(OwnerChoiceMixin, ServiceErrorsMixin, forms.Form):
    organisation = forms.ChoiceField(label=_("适用范围"))
    date = _date_field(_("日期"))
    end = _date_field(_("至（可选）"), required=False)
    kind = forms.ChoiceField(label=_("安排"), choices=WorkdayOverride.Kind.choices)
    name = forms.CharField(
        label=_("名称"),
        max_length=WorkdayOverride._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"placeholder": _("如：院庆、国庆节调休")}),
    )

    def __init__(self, *args, platform: bool, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_owners(platform=platform, organisations=organisations)
        style_fields(self)


class WorkdayOverrideEditForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    date = _date_field(_("日期"))
    kind = forms.ChoiceField(label=_("安排"), choices=WorkdayOverride.Kind.choices)
    name = forms.CharField(
        label=_("名称"), max_length=WorkdayOverride._meta.get_field("name").max_length
    )


class WorkdayFilterForm(forms.Form):
    organisation = forms.ChoiceField(label=_("适用范围"), required=False)
    kind = forms.ChoiceField(
        label=_("安排"),
        required=False,
        choices=[("", _("放假和上班")), *WorkdayOverride.Kind.choices],
    )
    q = forms.CharField(label=_("搜索名称"), required=False, max_length=40)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            ("", _("全部范围")),
            (PLATFORM, _("全平台")),
        ] + [(str(o.pk), o.name) for o in organisations]
        style_fields(self)

    @property
    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return self.cleaned_data


class WorkdayYearForm(OwnerChoiceMixin, forms.Form):
    """Confirm a year as entered, for one owner."""

    organisation = forms.ChoiceField(label=_("确认范围"))
    year = forms.IntegerField(label=_("年份"), min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args, platform: bool, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_owners(platform=platform, organisations=organisations)
        style_fields(self)
