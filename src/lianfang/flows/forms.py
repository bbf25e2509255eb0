"""Forms of the flows pages: the start form built from a definition's fields, the act form of
a task, the list filters and the designer's form. They parse only: the services validate."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin, style_fields
from lianfang.core.widgets import SearchSelect
from lianfang.org.forms import person_select
from lianfang.org.models import Department, Person

# What the start form asks for each field type of the BPMN extension (`lianfang:field`).
TEXT_TYPES = ("text", "supplier")


def _field_for(spec: dict, organisation) -> forms.Field:
    kind = spec.get("type", "text")
    required = bool(spec.get("required"))
    label = spec.get("label") or spec["name"]
    common = {"label": label, "required": required}
    if kind == "textarea":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == "amount":
        # the service reads 15万, ¥150,000 and full-width digits: the form keeps the text
        return forms.CharField(
            max_length=40,
            help_text=_("单位：元，可输入“15万”或“150,000”"),
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **common,
        )
    if kind == "integer":
        return forms.CharField(
            max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"}), **common
        )
    if kind == "date":
        return forms.CharField(
            max_length=10, widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    if kind == "choice":
        options = spec.get("options") or []
        return forms.ChoiceField(choices=[("", "---------"), *[(o, o) for o in options]], **common)
    if kind == "boolean":
        return forms.BooleanField(label=label, required=False)
    if kind == "person":
        return forms.ModelChoiceField(
            queryset=Person.objects.filter(organisation=organisation, active=True),
            widget=person_select(organisation=organisation.pk),
            **common,
        )
    if kind == "department":
        return forms.ModelChoiceField(
            queryset=Department.objects.filter(organisation=organisation, active=True),
            **common,
        )
    if kind == "attachment":
        return forms.FileField(**common)
    return forms.CharField(max_length=200, **common)


class StartForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """The form of a flow version: one field per `lianfang:field`, in the definition's order."""

    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        help_text=_("留空时按流程名称和申请人自动生成"),
    )

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.specs = list((version.spec or {}).get("fields", []))
        organisation = version.definition.organisation
        for spec in self.specs:
            self.fields[spec["name"]] = _field_for(spec, organisation)
        style_fields(self)

    def values(self) -> tuple[dict, dict]:
        """The form data for the service and the uploads, by field name."""
        data, files = {}, {}
        for spec in self.specs:
            name = spec["name"]
            value = self.cleaned_data.get(name)
            if spec.get("type") == "attachment":
                if value:
                    files[name] = value
            elif isinstance(value, Person | Department):
                data[name] = value.pk
            elif value not in (None, ""):
                data[name] = value
            elif spec.get("type") == "boolean":
                data[name] = False
        return data, files


class ActForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """One action on a task, with its reason (required for return, reject, transfer, comment:
    the service says so), the step to return to and the person to transfer to."""

    ACTIONS = (
        ("approve", _("同意")),
        ("return", _("退回")),
        ("reject", _("不同意")),
        ("comment", _("仅发表意见")),
        ("transfer", _("转办")),
        ("withdraw", _("撤回")),
        ("suspend", _("中止计时")),
        ("resume", _("恢复计时")),
    )
    # the clock's actions (flows.deadlines), not the engine's
    CLOCK_ACTIONS = ("suspend", "resume")
    action = forms.ChoiceField(label=_("办理操作"), choices=ACTIONS)
    reason = forms.CharField(
        label=_("办理意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target = forms.ChoiceField(label=_("退回到"), required=False)
    transfer_to = forms.ModelChoiceField(
        label=_("转办给"), required=False, queryset=Person.objects.none()
    )
    lock = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attachment = forms.FileField(label=_("上传附件"), required=False)

    def __init__(self, *args, organisation, return_targets=(), actions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actions is not None:
            self.fields["action"].choices = [c for c in self.ACTIONS if c[0] in actions]
        self.fields["target"].choices = [("", _("上一环节")), *return_targets]
        self.fields["transfer_to"].queryset = Person.objects.filter(
            organisation=organisation, active=True, user__isnull=False
        )
        # the delegations' colleague picker: it searches the colleagues with an account of the
        # handler's own organisation (never listing them all), which the general person
        # picker would not show a member of staff or a department head
        self.fields["transfer_to"].widget = SearchSelect(
            reverse_lazy("flows:delegate_search"),
            no_results=_("本单位没有找到符合的同事（须已开通账号）"),
        )
        style_fields(self)

    def target_for_service(self):
        """The service's `target`: the BPMN id to return to, or the user to transfer to."""
        data = self.cleaned_data
        if data["action"] == "return":
            return data.get("target") or None
        if data["action"] == "transfer":
            person = data.get("transfer_to")
            return person.user_id if person is not None else None
        return None


class ListFilterForm(BootstrapFormMixin, forms.Form):
    """The lists' filters: a flow and a search in the title or number."""

    flow = forms.TypedChoiceField(label=_("流程"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flow"].choices = [("", _("全部流程")), *[(d.pk, d.name) for d in definitions]]
        style_fields(self)

    @property
    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class DesignerForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """What the designer posts: the definition's code (new ones) and the XML bpmn-js saved."""

    service_errors_field = "xml"

    organisation = forms.ModelChoiceField(label=_("单位"), queryset=None)
    code = forms.SlugField(
        label=_("流程编码"),
        max_length=60,
        help_text=_("字母、数字、下划线，例如 goods_procurement"),
    )
    xml = forms.CharField(widget=forms.HiddenInput, max_length=2 * 1024 * 1024)

    def __init__(self, *args, organisations, definition=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if definition is not None:
            del self.fields["organisation"]
            del self.fields["code"]
        style_fields(self)
