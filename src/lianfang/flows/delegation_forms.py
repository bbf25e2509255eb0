"""Forms of the delegation pages (代理): setting one for one's leave, ending one early. They
parse only: `flows.delegations` validates (period, overlap, who may)."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin, style_fields
from lianfang.core.widgets import SearchSelect
from lianfang.org.models import Person

from .delegations import REASON_MAX


class DelegationForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """A delegation of the signed-in person's tasks: the delegate (a colleague with an
    account of the same organisation, picked with the delegation's own picker, which finds
    colleagues the general person picker would not show a member of staff), the period and
    the reason."""

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
        self.fields["delegate"].widget = SearchSelect(
            reverse_lazy("flows:delegate_search"),
            no_results=_("本单位没有找到符合的同事（须已开通账号）"),
        )
        style_fields(self)


class DelegationEndForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """Ending a delegation before its end date, with a reason."""

    reason = forms.CharField(label=_("结束原因"), max_length=REASON_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
