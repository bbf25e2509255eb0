"""Forms of the org pages. They parse and offer choices within the user's scope; the rules
themselves live in services.py, whose errors the views put back on these forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from lianfang.core import punctuation
from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.core.spreadsheets.pages import SpreadsheetField
from lianfang.core.widgets import FastSelect, SearchSelect, SearchSelectMultiple

from . import person_services, selectors, services
from .attachments import PHOTO_MAX_BYTES
from .models import Department, DepartmentFunction, LeaderDivision, Organisation, Person, Post

ROSTER_MAX_MB = 10


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PhotoInput(forms.ClearableFileInput):
    """A photo upload that previews the current photo through the scoped photo view
    (uploaded files are not served from MEDIA_URL)."""

    template_name = "org/widgets/photo_input.html"
    photo_url = ""

    def is_initial(self, value):
        return bool(self.photo_url)  # a photo is kept: preview it and offer to remove it

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["photo_url"] = self.photo_url
        return context


def person_label(person) -> str:
    """张三（0102，心内科）: a person as the person picker names them (the department, else
    the organisation)."""
    where = person.department.name if person.department_id else person.organisation.name
    return punctuation.bracketed(person.name, f"{person.staff_no}{punctuation.mark('，')}{where}")


def person_select(*, multiple: bool = False, **params):
    """The shared person picker (`core.widgets.SearchSelect`) searching `org:person_search`,
    narrowed by `params` (organisation, department, unlinked=1) to what the field accepts."""
    widget = SearchSelectMultiple if multiple else SearchSelect
    return widget(
        reverse_lazy("org:person_search"), params=params, no_results=_("没有找到符合的人员")
    )


def tree_label(organisation) -> str:
    """An organisation's name indented by its depth, for a choice among a tree's nodes."""
    return "\u3000" * organisation.depth + organisation.name


class OrganisationChoiceField(forms.ModelChoiceField):
    """A choice of an organisation, labelled with `tree_label`."""

    def label_from_instance(self, obj):
        return tree_label(obj)


class OrgChoiceField(forms.ModelChoiceField):
    """A choice of a department or post, prefixed with its organisation when several show."""

    def __init__(self, *args, prefix_org=False, **kwargs):
        self.prefix_org = prefix_org
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        parts = []
        if self.prefix_org:
            parts.append(obj.organisation.short_name or obj.organisation.name)
        if isinstance(obj, Post):
            parts.append(obj.department.name if obj.department_id else _("单位岗位"))
        parts.append(obj.name)
        return " · ".join(str(p) for p in parts)


class DataForm(ServiceErrorsMixin, forms.Form):
    """A form whose fields come from a model's fields, filled from an instance (if any).
    `cleaned_data` goes to a service; the form never saves. `user` (who fills it in) bounds
    the choices it offers."""

    model = None
    field_names: tuple[str, ...] = ()

    def __init__(self, *args, instance=None, user=None, **kwargs):
        self.instance = instance
        self.user = user
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = forms.model_to_dict(instance, fields=self.field_names)
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            self.model,
            fields=self.field_names,
            widgets={
                name: DateInput()
                for name in self.field_names
                if self.model._meta.get_field(name).get_internal_type() == "DateField"
            },
        )
        self.fields.update({n: model_fields[n] for n in self.field_names if n in model_fields})
        self.setup()
        style_fields(self)

    def setup(self):
        pass

    @property
    def is_create(self):
        return self.instance is None


class OrganisationForm(DataForm):
    model = Organisation
    field_names = services.ORGANISATION_FIELDS

    def setup(self):
        parent = self.fields["parent"]
        parent.queryset = selectors.parent_choices(self.user, self.instance).order_by("path")
        parent.required = not (self.instance is not None and self.instance.parent_id is None)
        parent.label_from_instance = tree_label


class DepartmentForm(DataForm):
    model = Department
    field_names = ("organisation", *services.DEPARTMENT_FIELDS)

    def setup(self):
        if self.is_create:
            self.fields["organisation"].queryset = selectors.organisations_manageable_by(
                self.user
            ).order_by("path")
            del self.fields["head"]
        else:
            del self.fields["organisation"]
            # the head is one of the department's people (or whoever heads it now)
            self.fields["head"].queryset = selectors.head_choices(self.instance).order_by(
                "staff_no"
            )
            self.fields["head"].label_from_instance = lambda p: punctuation.bracketed(
                p.name, p.staff_no
            )


class FunctionForm(DataForm):
    model = DepartmentFunction
    field_names = services.FUNCTION_FIELDS

    def setup(self):
        self.fields["description"].widget.attrs["rows"] = 3


class InDepartmentForm(DataForm):
    """A form of something of an organisation that may sit in one of its departments (a post,
    a person). A new one is placed in one of the organisations the user manages; an existing
    one stays in its own, and its department is chosen among that organisation's."""

    department_empty_label = "---------"

    def setup(self):
        departments = selectors.departments_manageable_by(self.user).select_related("organisation")
        if self.is_create:
            orgs = selectors.organisations_manageable_by(self.user).order_by("path")
            self.fields["organisation"].queryset = orgs
            multi = orgs.count() > 1
        else:
            del self.fields["organisation"]
            departments = departments.filter(organisation_id=self.instance.organisation_id)
            multi = False
        self.fields["department"] = OrgChoiceField(
            departments.order_by("organisation__path", "order", "code"),
            required=False,
            prefix_org=multi,
            label=_("科室"),
            empty_label=self.department_empty_label,
        )
        self.order_fields(self.field_names)

    def clean(self):
        data = super().clean()
        org = data.get("organisation") if self.is_create else None
        dept = data.get("department")
        if org is not None and dept is not None and dept.organisation_id != org.pk:
            self.add_error("department", _("科室须属于所选单位。"))
        return data


class PostForm(InDepartmentForm):
    model = Post
    field_names = ("organisation", *services.POST_FIELDS)
    department_empty_label = _("（单位层面岗位）")

    def setup(self):
        super().setup()
        self.fields["code"].required = False
        self.fields["code"].help_text = _("留空将自动生成。")
        self.fields["duties"].widget.attrs["rows"] = 4
        self.fields["rotation_years"].help_text = _("重点、敏感岗位任职满此年限应交流轮岗。")


class PersonForm(InDepartmentForm):
    model = Person
    field_names = ("organisation", *person_services.PERSON_FIELDS)

    def setup(self):
        super().setup()
        # Last, under the other fields; the service keeps it as an attachment (person_photo),
        # which decides from the bytes whether it is a photo.
        photo = forms.FileField(
            label=_("照片"),
            required=False,
            help_text=_("JPEG 或 PNG，不超过 2 MB。"),
            widget=PhotoInput(attrs={"accept": "image/jpeg,image/png"}),
        )
        if self.instance is not None and self.instance.photo_id:
            photo.initial = True  # ClearableFileInput offers "clear" for a set value
            photo.widget.photo_url = reverse("org:person_photo", args=[self.instance.pk])
        self.fields["photo"] = photo

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo is True:  # no upload, the kept photo's stand-in: unchanged
            return None
        if photo and getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise ValidationError(_("照片不能超过 2 MB。"))
        return photo


class AssignForm(ServiceErrorsMixin, forms.Form):
    post = OrgChoiceField(Post.objects.none(), label=_("岗位"))
    start = forms.DateField(label=_("任职开始"), widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post"].queryset = (
            selectors.organisation_posts(person.organisation_id)
            .select_related("department")
            .order_by("department__order", "department__code", "code")
        )
        style_fields(self)


class AssignmentForm(ServiceErrorsMixin, forms.Form):
    start = forms.DateField(label=_("任职开始"), widget=DateInput())
    end = forms.DateField(label=_("任职结束"), widget=DateInput(), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class DivisionForm(DataForm):
    model = LeaderDivision
    field_names = ("leader", *services.DIVISION_FIELDS)

    def __init__(self, *args, leader=None, **kwargs):
        self.leader = leader
        super().__init__(*args, **kwargs)

    def setup(self):
        leader = self.leader or (self.instance.leader if self.instance else None)
        departments = selectors.departments_manageable_by(self.user).select_related("organisation")
        if leader is not None:
            del self.fields["leader"]
            departments = departments.filter(organisation_id=leader.organisation_id)
            multi = False
        else:
            leaders = (
                selectors.people_manageable_by(self.user)
                .active()
                .filter(is_leader=True)
                .select_related("organisation")
                .order_by("organisation__path", "staff_no")
            )
            self.fields["leader"].queryset = leaders
            multi = len({p.organisation_id for p in leaders}) > 1
            self.fields["leader"].label_from_instance = (
                (lambda p: f"{p.organisation.short_name or p.organisation.name} · {p.name}")
                if multi
                else (lambda p: p.name)
            )
            self.fields["leader"].help_text = _("仅列出标记为“单位领导”的在职人员。")
        self.fields["department"] = OrgChoiceField(
            departments.order_by("organisation__path", "order", "code"),
            prefix_org=multi,
            label=_("分管科室"),
        )
        self.order_fields(self.field_names)


# Filters --------------------------------------------------------------------------------------


class FilterForm(forms.Form):
    """A GET filter form: invalid values are dropped, never an error page."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)

    def __init__(self, data=None, *, user=None, **kwargs):
        self.user = user
        super().__init__(data if data is not None else {}, **kwargs)
        self.setup()
        style_fields(self)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                fast = FastSelect(attrs=field.widget.attrs)
                fast.choices = field.widget.choices
                field.widget = fast
            attrs = field.widget.attrs
            attrs["class"] = (
                attrs["class"]
                .replace("form-select", "form-select form-select-sm")
                .replace("form-control", "form-control form-control-sm")
            )

    def setup(self):
        pass

    @property
    def values(self) -> dict:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}

    @property
    def is_filtered(self) -> bool:
        return any(v not in (None, "", False) for v in self.values.values())

    def _org_field(self, queryset):
        self.fields["organisation"] = forms.ModelChoiceField(
            queryset.order_by("path"), required=False, label=_("单位"), empty_label=_("全部单位")
        )
        return queryset

    def _multi_org(self):
        return selectors.organisations_visible_to(self.user).count() > 1


class OrganisationFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *Organisation.Kind.choices]
    )

    def setup(self):
        self.fields["q"].widget.attrs["placeholder"] = _("名称或编码")


class DepartmentFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *Department.Kind.choices]
    )

    def setup(self):
        self._org_field(selectors.organisations_visible_to(self.user))
        self.fields["q"].widget.attrs["placeholder"] = _("科室名称或编码")
        self.order_fields(["organisation", "kind", "q"])


def _department_filter_field(user, multi):
    return OrgChoiceField(
        selectors.departments_visible_to(user)
        .select_related("organisation")
        .order_by("organisation__path", "order", "code"),
        required=False,
        prefix_org=multi,
        label=_("科室"),
        empty_label=_("全部科室"),
    )


class PostFilterForm(FilterForm):
    FLAGS = [("", _("全部岗位")), ("key", _("重点岗位")), ("sensitive", _("敏感岗位"))]
    flag = forms.ChoiceField(label=_("类别"), required=False, choices=FLAGS)

    def setup(self):
        multi = self._multi_org()
        self.fields["department"] = _department_filter_field(self.user, multi)
        self.fields["q"].widget.attrs["placeholder"] = _("岗位名称、编码或职责")
        self.order_fields(["department", "flag", "q"])

    @property
    def values(self):
        values = super().values
        flag = values.pop("flag", "")
        values["is_key"] = flag == "key"
        values["is_sensitive"] = flag == "sensitive"
        return values


class PersonFilterForm(FilterForm):
    FLAGS = [
        ("", _("全部岗位类别")),
        ("key_or_sensitive", _("重点或敏感岗位")),
        ("key", _("重点岗位")),
        ("sensitive", _("敏感岗位")),
    ]
    post_flag = forms.ChoiceField(label=_("岗位类别"), required=False, choices=FLAGS)
    leader = forms.BooleanField(label=_("仅单位领导"), required=False)

    def setup(self):
        multi = self._multi_org()
        if multi:
            self._org_field(selectors.organisations_visible_to(self.user))
        self.fields["department"] = _department_filter_field(self.user, multi)
        self.fields["post"] = OrgChoiceField(
            selectors.posts_visible_to(self.user)
            .select_related("organisation", "department")
            .order_by("organisation__path", "department__order", "code"),
            required=False,
            prefix_org=multi,
            label=_("岗位"),
            empty_label=_("全部岗位"),
        )
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或工号")
        self.order_fields(["q", "organisation", "department", "post", "post_flag", "leader"])


class LeaderFilterForm(FilterForm):
    def setup(self):
        if self._multi_org():
            self._org_field(selectors.organisations_visible_to(self.user))
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、工号或分管工作")
        self.order_fields(["q", "organisation"])


class RotationFilterForm(FilterForm):
    def setup(self):
        multi = self._multi_org()
        if multi:
            self._org_field(selectors.organisations_visible_to(self.user))
        self.fields["department"] = _department_filter_field(self.user, multi)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或工号")
        self.order_fields(["q", "organisation", "department"])


class ImportForm(forms.Form):
    """An upload into one of the organisations the user manages (preset when there is only
    one); each import adds its `file` field."""

    organisation = OrganisationChoiceField(Organisation.objects.none(), label=_("导入到单位"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = selectors.organisations_manageable_by(user).order_by("path")
        self.fields["organisation"].queryset = orgs
        if orgs[:2].count() == 1:
            self.fields["organisation"].initial = orgs.first()
        style_fields(self)


class RosterImportForm(ImportForm):
    file = SpreadsheetField(
        label=_("人员名册（.xlsx 或 .xls）"),
        help_text=_("请使用下载的模板填写，第 1 行为表头。"),
        max_mb=ROSTER_MAX_MB,
    )
