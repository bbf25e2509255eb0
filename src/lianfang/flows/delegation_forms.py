"""Forms of the delegation pages (代理): setting one for one's leave, ending one early. They
parse only: `flows.delegations` validates (period, overlap, who may)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin, style_fields
from lianfang.org.forms import person_select
from lianfang.org.models import Person

from .delegations import REASON_MAX


class DelegationForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """A delegation of the signed-in person's tasks: the delegate (a colleague with an
    account, picked with the person picker), the period and the reason."""

    delegate = forms.ModelChoiceField(label=_("代理人"), queryset=Person.objects.none())
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("结束日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("含当日；期间到达您的待办转由代理人办理"),
    )
    reason = forms.CharField(
        label=_("事由"),
        max_length=REASON_MAX,
        help_text=_("例如：休假、出差、外出学习"),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = Person.objects.filter(
            organisation=organisation, active=True, user__isnull=False
        ).select_related("user")
        self.fields["delegate"].widget = person_select(organisation=organisation.pk)
        style_fields(self)


class DelegationEndForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """Ending a delegation before its end date, with a reason."""

    reason = forms.CharField(label=_("结束原因"), max_length=REASON_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
