"""Forms of the complaints pages. They parse; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin
from lianfang.org.models import Department, Person

from . import files
from . import org_settings as keys
from .models import Category, Channel, Finding, HandlingType

ANONYMITY = (("1", _("匿名举报")), ("0", _("实名举报")))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": files.EVIDENCE.accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def power_holders(organisation):
    """The people who hold a post of the published power catalogue now (the public pick)."""
    return (
        Person.objects.active()
        .filter(
            organisation=organisation,
            assignments__end__isnull=True,
            assignments__post__powers__is_public=True,
            assignments__post__powers__active=True,
        )
        .distinct()
        .order_by("name")
    )


class ComplaintForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("类别"))
    anonymous = forms.TypedChoiceField(
        label=_("举报方式"),
        choices=ANONYMITY,
        coerce=lambda v: v == "1",
        initial="1",
    )
    subject_department = forms.ModelChoiceField(
        label=_("被反映科室"), queryset=Department.objects.none(), required=False
    )
    subject_person = forms.ModelChoiceField(
        label=_("被反映人"), queryset=Person.objects.none(), required=False
    )
    subject_text = forms.CharField(
        label=_("被反映单位、科室或人员（补充说明）"), max_length=500, required=False
    )
    content = forms.CharField(
        label=_("反映的问题"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        help_text=_("请写明发生了什么。请勿在此填写您的姓名等能识别您身份的信息（匿名举报时）。"),
    )
    happened_when = forms.CharField(label=_("发生时间"), max_length=200, required=False)
    happened_where = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    excluded = forms.ModelMultipleChoiceField(
        label=_("请勿由以下人员处理"), queryset=Person.objects.none(), required=False
    )
    reporter_name = forms.CharField(label=_("姓名（实名举报）"), max_length=40, required=False)
    reporter_phone = forms.CharField(label=_("联系电话（实名举报）"), max_length=30, required=False)
    reporter_contact = forms.CharField(label=_("其他联系方式"), max_length=200, required=False)
    sms_opt_in = forms.BooleanField(label=_("状态变化时短信通知我（仅实名举报）"), required=False)
    uploads = MultipleFileField(
        label=_("证据材料"),
        help_text=_("PDF、图片、Word 或 Excel，每个不超过 10 MB，最多 10 个。"),
    )

    def __init__(self, *args, organisation, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        offered = orgsettings.value(organisation, keys.CATEGORIES)
        self.fields["category"].choices = [("", "—")] + [
            (code, label) for code, label in Category.choices if code in offered
        ]
        self.fields["subject_department"].queryset = Department.objects.active().filter(
            organisation=organisation
        )
        people = (
            Person.objects.active().filter(organisation=organisation).order_by("name")
            if staff
            else power_holders(organisation)
        )
        self.fields["subject_person"].queryset = people
        self.fields["excluded"].queryset = people
        for name in ("content",):
            self.fields[name].widget.attrs["class"] += " lf-wrap"


class EnteredComplaintForm(ComplaintForm):
    """A report received by letter, call or visit, typed in by an officer."""

    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=[(c, label) for c, label in Channel.choices if c in ("letter", "phone", "visit")],
    )
    received_on = forms.DateField(
        label=_("收到日期"), widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["channel", "received_on"]


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("回执码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["class"] = "form-control form-control-lg font-monospace"


class ReplyForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    body = forms.CharField(
        label=_("留言"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000, required=False
    )
    uploads = MultipleFileField(label=_("补充材料"))


class TextForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    body = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )


class AssignForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    handler = forms.ModelChoiceField(label=_("承办人"), queryset=None)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers


class RejectForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("不予受理的理由"), widget=forms.Textarea(attrs={"rows": 3}))


class TransferForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    to = forms.CharField(label=_("转办单位"), max_length=120)
    reason = forms.CharField(
        label=_("转办说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class HandleForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    handling_type = forms.ChoiceField(label=_("处置方式"), choices=HandlingType.choices)


class ConcludeForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    finding = forms.ChoiceField(label=_("结论"), choices=Finding.choices)
    conclusion = forms.CharField(label=_("办理结论"), widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class OfficerForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("单位"), queryset=None)
    user = forms.ModelChoiceField(label=_("用户"), queryset=None)
    duty = forms.ChoiceField(label=_("职责"))

    def __init__(self, *args, organisations, users, duties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["user"].queryset = users
        self.fields["duty"].choices = duties
