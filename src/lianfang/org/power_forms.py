"""Forms of the power catalogue pages. They offer choices within the user's scope; the rules
live in services.py, whose errors the views put back on these forms."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import power_selectors, selectors
from .forms import (
    DataForm,
    FilterForm,
    OrganisationChoiceField,
    OrgChoiceField,
    RosterImportForm,
)
from .models import Power, PowerStep


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Posts labelled "科室 · 岗位" (prefixed with the organisation when several show)."""

    def __init__(self, *args, prefix_org=False, **kwargs):
        self.prefix_org = prefix_org
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return OrgChoiceField.label_from_instance(self, obj)


class PowerForm(DataForm):
    model = Power
    field_names = (
        "organisation",
        "code",
        "name",
        "category",
        "department",
        "posts",
        "basis",
        "duties",
        "time_limit_days",
        "is_public",
        "active",
    )

    def setup(self):
        departments = selectors.departments_manageable_by(self.user).select_related("organisation")
        posts = selectors.posts_manageable_by(self.user).select_related(
            "organisation", "department"
        )
        if self.is_create:
            orgs = selectors.organisations_manageable_by(self.user).order_by("path")
            self.fields["organisation"] = OrganisationChoiceField(orgs, label=_("单位"))
            multi = orgs.count() > 1
        else:
            departments = departments.filter(organisation_id=self.instance.organisation_id)
            posts = posts.filter(organisation_id=self.instance.organisation_id)
            del self.fields["organisation"]
            multi = False
        current = getattr(self.instance, "department_id", None)
        self.fields["department"] = OrgChoiceField(
            departments.filter(Q(active=True) | Q(pk=current)).order_by(
                "organisation__path", "order", "code"
            ),
            required=False,
            prefix_org=multi,
            label=_("承办部门"),
        )
        self.fields["posts"] = OrgMultipleChoiceField(
            posts.order_by("organisation__path", "department__order", "department__code", "code"),
            required=False,
            prefix_org=multi,
            label=_("承办岗位"),
            help_text=_("按住 Ctrl（Mac 上为 ⌘）可多选。"),
        )
        self.fields["basis"].widget.attrs["rows"] = 3
        self.fields["basis"].help_text = _("法律法规名称及条款，如《政府采购法》第二十四条。")
        self.fields["duties"].widget.attrs["rows"] = 3
        self.fields["time_limit_days"].min_value = 1
        self.fields["time_limit_days"].widget.attrs["min"] = 1
        self.order_fields(self.field_names)

    def clean(self):
        data = super().clean()
        org = data.get("organisation") if self.is_create else self.instance.organisation
        if org is not None:
            dept = data.get("department")
            if dept is not None and dept.organisation_id != org.pk:
                self.add_error("department", _("承办部门须属于所选单位。"))
            if any(p.organisation_id != org.pk for p in data.get("posts") or ()):
                self.add_error("posts", _("承办岗位须属于所选单位。"))
        return data


class StepForm(DataForm):
    model = PowerStep
    field_names = ("name", "order", "key", "is_control_point", "post", "time_limit_days")

    def __init__(self, *args, power, **kwargs):
        self.power = power
        super().__init__(*args, **kwargs)

    def setup(self):
        self.fields["post"] = OrgChoiceField(
            selectors.organisation_posts(self.power.organisation_id)
            .select_related("department")
            .order_by("department__order", "department__code", "code"),
            required=False,
            label=_("办理岗位"),
        )
        self.fields["key"].required = False
        self.fields["key"].help_text = _(
            "英文字母、数字或连字符，本事项内唯一；留空将按顺序自动生成。"
        )
        self.fields["order"].required = False
        self.fields["order"].initial = None  # not the model's default 0: empty goes last
        self.fields["order"].help_text = _("留空则排在最后。")
        self.fields["is_control_point"].help_text = _("内控点须由指定人员办理，其决定应予公开。")
        self.fields["time_limit_days"].widget.attrs["min"] = 1
        self.order_fields(self.field_names)


class PowerFilterForm(FilterForm):
    PUBLIC = [("", _("全部")), ("yes", _("公开")), ("no", _("不公开"))]
    ACTIVE = [("", _("在用")), ("all", _("全部")), ("no", _("已停用"))]

    category = forms.ChoiceField(
        label=_("权力类别"),
        required=False,
        choices=[("", _("全部类别")), *Power.Category.choices],
    )
    public = forms.ChoiceField(label=_("公开"), required=False, choices=PUBLIC)
    state = forms.ChoiceField(label=_("状态"), required=False, choices=ACTIVE)

    def setup(self):
        multi = self._multi_org()
        if multi:
            self._org_field(selectors.organisations_visible_to(self.user))
        self.fields["department"] = OrgChoiceField(
            power_selectors.power_departments(self.user).order_by(
                "organisation__path", "order", "code"
            ),
            required=False,
            prefix_org=multi,
            label=_("承办部门"),
            empty_label=_("全部部门"),
        )
        self.fields["q"].widget.attrs["placeholder"] = _("编码或权力名称")
        self.order_fields(["q", "organisation", "category", "department", "public", "state"])

    @property
    def values(self):
        values = super().values
        public = values.pop("public", "")
        values["is_public"] = {"yes": True, "no": False}.get(public)
        state = values.pop("state", "")
        values["active"] = {"": True, "no": False}.get(state)
        return values

    @property
    def is_filtered(self):
        values = super().values
        return any(v not in (None, "", False) for v in values.values())


class PowerImportForm(RosterImportForm):
    """An organisation and a 职权目录 workbook."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("职权目录（.xlsx 或 .xls）")
