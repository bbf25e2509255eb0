"""Forms of the register pages (风险点台账). They parse input and offer the choices the
selectors and permissions.py give the user; the rules live in services.py, whose errors the
views put back on the forms."""

from collections import Counter

from django import forms
from django.db.models import Case, Value, When
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from lianfang.core import punctuation
from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.org import selectors as org_selectors
from lianfang.org.forms import DateInput, FilterForm, OrgChoiceField, person_select
from lianfang.org.models import Department, Person, Post, Power, PowerStep

from . import grading, permissions, selectors
from .models import Category, GradingScheme, Level, Measure, RiskPoint, level_label

PER_PAGE_CHOICES = [(n, n) for n in (20, 50, 100, 200)]


def level_choices(empty_label):
    return [
        ("", empty_label),
        *[(level, level_label(level)) for level in Level.values],
    ]


class PostFilterField(OrgChoiceField):
    """The register's post filter. With a department chosen, its posts by name (医师); else
    every post of the organisation grouped by department, named with it (医师（心内科）), so
    the closed list still says which. Posts that would still read the same (two 医师 in one
    department) add their code."""

    def __init__(self, queryset, *, by_department, **kwargs):
        self.by_department = by_department
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj):
        if self.by_department or not obj.department_id:
            return obj.name  # a unit post (院长) is named alone, under 单位岗位
        return punctuation.bracketed(obj.name, obj.department.name)

    def _get_choices(self):
        posts = list(self.queryset)
        labels = [self.label_from_instance(post) for post in posts]
        seen = Counter(labels)
        labels = [
            punctuation.bracketed(label, post.code) if seen[label] > 1 else label
            for label, post in zip(labels, posts, strict=True)
        ]
        choices = [("", self.empty_label)] if self.empty_label is not None else []
        if self.by_department:
            return [
                *choices,
                *((post.pk, label) for post, label in zip(posts, labels, strict=True)),
            ]
        groups: dict[str, list] = {}
        for post, label in zip(posts, labels, strict=True):
            group = post.department.name if post.department_id else str(_("单位岗位"))
            groups.setdefault(group, []).append((post.pk, label))
        return [*choices, *groups.items()]

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class RegisterFilterForm(FilterForm):
    """The register's filters. Departments, posts and powers are offered for one organisation
    at a time (the chosen one, or the only one the user sees), so the choices stay short on a
    commission with many hospitals."""

    STATUS_CHOICES = [
        (selectors.STATUS_CURRENT, _("在用（草稿和已备案）")),
        *RiskPoint.Status.choices,
        (selectors.STATUS_ALL, _("全部状态")),
    ]
    level = forms.TypedChoiceField(
        label=_("风险等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[*level_choices(_("全部等级")), (selectors.UNGRADED, _("未定级"))],
    )
    # the cells of the charts' heat map link here: 1–5, the scores any scheme allows
    likelihood = forms.TypedChoiceField(
        label=_("可能性 L"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部")), *[(n, str(n)) for n in range(1, 6)]],
    )
    harm = forms.TypedChoiceField(
        label=_("危害程度 C"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部")), *[(n, str(n)) for n in range(1, 6)]],
    )
    category = forms.ChoiceField(
        label=_("风险类别"), required=False, choices=[("", _("全部类别")), *Category.choices]
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源")), *RiskPoint.Source.choices]
    )
    overdue = forms.BooleanField(label=_("复核逾期"), required=False)
    per_page = forms.TypedChoiceField(
        label=_("每页"), required=False, coerce=int, empty_value=None, choices=PER_PAGE_CHOICES
    )

    # Fields that shape the page, not the rows.
    LAYOUT_FIELDS = ("per_page",)

    def setup(self):
        organisations = org_selectors.organisations_visible_to(self.user).order_by("path")
        self.organisations = list(organisations[:2])
        self.multi_org = len(self.organisations) > 1
        organisation = None
        if self.multi_org:
            self._org_field(organisations)
            organisation = self._peek("organisation")
        elif self.organisations:
            organisation = self.organisations[0]
        self.organisation = organisation

        departments = org_selectors.departments_visible_to(self.user).select_related("organisation")
        if organisation is not None:
            departments = departments.filter(organisation=organisation)
        elif self.multi_org:
            departments = departments.none()
        self.fields["department"] = OrgChoiceField(
            departments.order_by("order", "code"),
            required=False,
            label=_("科室"),
            empty_label=_("全部科室") if organisation is not None else _("请先选择单位"),
        )
        department = self._peek("department")
        posts = org_selectors.posts_visible_to(self.user).select_related(
            "department", "organisation"
        )
        if department is not None:
            posts = posts.filter(department=department)
        elif organisation is not None:
            posts = posts.filter(organisation=organisation)
        else:
            posts = posts.none()
        self.fields["post"] = PostFilterField(
            posts.order_by("department__order", "department__code", "code"),
            by_department=department is not None,
            required=False,
            label=_("岗位"),
            empty_label=_("全部岗位"),
        )
        powers = selectors.powers_visible_to(self.user)
        powers = (
            powers.filter(organisation=organisation) if organisation is not None else powers.none()
        )
        self.fields["power"] = forms.ModelChoiceField(
            powers.order_by("code"),
            required=False,
            label=_("权力事项"),
            empty_label=_("全部权力事项"),
        )
        self.fields["q"].label = _("搜索")
        self.fields["q"].widget.attrs["placeholder"] = _("风险点名称或表现形式")
        self.order_fields(
            [
                "organisation",
                "department",
                "post",
                "power",
                "level",
                "likelihood",
                "harm",
                "category",
                "status",
                "source",
                "q",
                "overdue",
                "per_page",
            ]
        )

    def _peek(self, name):
        """The valid value of field `name` from the submitted data, before full validation
        (later fields' choices depend on it)."""
        field = self.fields[name]
        try:
            return field.clean(field.widget.value_from_datadict(self.data, self.files, name))
        except forms.ValidationError:
            return None

    @property
    def values(self) -> dict:
        values = super().values
        for name in self.LAYOUT_FIELDS:
            values.pop(name, None)
        return values

    @property
    def is_filtered(self) -> bool:
        # `is not False`, not `!= False`: the level filter 未定级 is 0
        return any(v is not None and v != "" and v is not False for v in self.values.values())

    @property
    def query_without_page(self) -> str:
        """The filters as a query string, for links that keep them (charts, exports)."""
        data = self.data.copy()
        for name in ("page", "sort", "per_page"):
            data.pop(name, None)
        for name in [k for k, v in data.lists() if not any(v)]:
            data.pop(name)
        return data.urlencode()


# Risk points and measures ---------------------------------------------------------------------


class InlineRadioSelect(forms.RadioSelect):
    """Radio buttons in a row, with Bootstrap's form-check markup."""

    template_name = "risks/point_choice_widget.html"


class InlineCheckboxes(forms.CheckboxSelectMultiple):
    template_name = "risks/point_choice_widget.html"


class StepSelect(forms.Select):
    """Steps carry their power (data-power), so the page offers only the chosen power's."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-power"] = str(instance.power_id)
        return option


class StepChoiceField(forms.ModelChoiceField):
    widget = StepSelect

    def label_from_instance(self, obj):
        return f"{obj.power.name} · {obj.name}"


def power_options(organisation, post, *, current=None, everything=False):
    """The power choices of a risk point of `organisation` for `post`: the powers the post
    takes part in (`selectors.post_powers`), with `current` (a power already chosen) kept;
    every power of the catalogue when `everything`, when no post is given or when the post
    has none. Returns ([(pk, label)], filtered)."""
    powers = selectors.point_powers(organisation, current=getattr(current, "pk", None))
    filtered = False
    if post is not None and not everything:
        own = selectors.post_powers(organisation, post)
        if current is not None:
            own = own | powers.filter(pk=current.pk)
        own = list(own.order_by("code").values_list("pk", "code", "name"))
        if own:
            filtered = True
            return [(pk, power_label(code, name)) for pk, code, name in own], filtered
    rows = powers.order_by("code").values_list("pk", "code", "name")
    return [(pk, power_label(code, name)) for pk, code, name in rows], filtered


def power_label(code, name) -> str:
    return punctuation.bracketed(name, code) if code else name


def step_queryset(power):
    """The steps a risk point on `power` may name (none before a power is chosen)."""
    if power is None:
        return PowerStep.objects.none()
    return PowerStep.objects.filter(power=power).order_by("order", "pk")


class RiskPointForm(ServiceErrorsMixin, forms.Form):
    """A risk point's fields for `risk_point_create` / `risk_point_update`.

    Choices follow what the user may register: the integrity office and administrators any
    department and post of the organisation, a department head their departments and posts,
    a staff member their current posts. A level that will change needs a reason.
    """

    subject = forms.ChoiceField(label=_("对象"), choices=RiskPoint.Subject.choices)
    department = OrgChoiceField(
        Department.objects.none(), label=_("科室"), required=False, empty_label=_("（无）")
    )
    post = OrgChoiceField(Post.objects.none(), label=_("岗位"), required=False)
    power = forms.ModelChoiceField(Power.objects.none(), label=_("权力事项"))
    step = StepChoiceField(
        PowerStep.objects.none(), label=_("流程环节"), required=False, empty_label=_("（未指定）")
    )
    category = forms.ChoiceField(label=_("风险类别"), choices=Category.choices)
    name = forms.CharField(label=_("风险点"), max_length=200)
    manifestation = forms.CharField(
        label=_("表现形式"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("具体写明谁在哪个环节以什么方式可能滥用权力，避免“有待进一步规范”之类的空话。"),
    )
    likelihood = forms.TypedChoiceField(
        label=_("可能性 L"), coerce=int, required=False, empty_value=None
    )
    harm = forms.TypedChoiceField(
        label=_("危害程度 C"), coerce=int, required=False, empty_value=None
    )
    matter_kind = forms.ChoiceField(label=_("事项性质"), required=False)
    criteria = forms.MultipleChoiceField(
        label=_("符合条件"),
        required=False,
        widget=InlineCheckboxes,
        choices=list(grading.CRITERIA.items()),
    )
    source = forms.ChoiceField(label=_("来源"), choices=RiskPoint.Source.choices)
    level = forms.TypedChoiceField(
        label=_("风险等级"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("留空时按定级方案自动评定；人工指定须填写原因。"),
    )
    reason = forms.CharField(
        label=_("变更原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("风险等级发生变化时必须填写。"),
    )
    # A new point's first measure (filing needs one with an owner): written with the point.
    measure_text = forms.CharField(
        label=_("防控措施"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "写明何时做、怎样检查，例如“每月抽查 20 张处方并在科务会通报”。"
            "可先留空，保存后再关联措施。"
        ),
    )
    measure_owner = forms.ModelChoiceField(
        Person.objects.none(), label=_("措施责任人"), required=False
    )

    # Fields the filing (备案) requires that a draft may still leave empty: marked on the form.
    FILING_FIELDS = ("step", "likelihood", "harm", "matter_kind", "criteria", "measure_text")

    def __init__(self, *args, user, organisation, instance=None, post=None, **kwargs):
        """`post`: the post to offer first and choose (a post the user may register for),
        as 我的风险点's 新增 asks; else the only post the user holds, if one."""
        self.user = user
        self.organisation = organisation
        self.instance = instance
        self.requested_post = post
        if instance is not None and "initial" not in kwargs:
            initial = {
                name: getattr(instance, name)
                for name in (
                    "subject",
                    "category",
                    "name",
                    "manifestation",
                    "likelihood",
                    "harm",
                    "matter_kind",
                    "criteria",
                    "source",
                )
            }
            for name in ("department", "post", "power", "step"):
                initial[name] = getattr(instance, f"{name}_id")
            initial["level"] = instance.level if instance.level_manual else None
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.scheme = grading.active_scheme(organisation)
        self._limit_choices()
        style_fields(self)

    def _limit_choices(self):
        """The choices permissions.py allows the user for a risk point of the organisation."""
        org = self.organisation
        user = self.user
        instance = self.instance
        allowed = permissions.point_subjects(user, org)
        subjects = [c for c in RiskPoint.Subject.choices if c[0] in allowed]
        self.fields["subject"].choices = subjects
        self.fields["department"].queryset = permissions.point_departments(user, org).order_by(
            "order", "code"
        )
        # the posts the user holds now come first
        held = permissions.held_post_ids(user)
        posts = permissions.point_posts(user, org).select_related("department")
        order = ["department__order", "department__code", "code"]
        if held:
            posts = posts.annotate(
                held_first=Case(When(pk__in=sorted(held), then=Value(0)), default=Value(1))
            )
            order.insert(0, "held_first")
        posts = posts.order_by(*order)
        self.fields["post"].queryset = posts
        if instance is None and not self.is_bound:
            self._preselect_post(posts, held)
        current = instance.power_id if instance is not None else None
        powers = selectors.point_powers(org, current=current)
        self.fields["power"].queryset = powers.order_by("code")
        power_field = self.fields["power"]
        power_field.widget.attrs.update({"data-power-select": "", "data-organisation": org.pk})
        post = self._chosen("post")
        chosen_power = self._chosen("power")
        options, filtered = power_options(org, post, current=chosen_power)
        power_field.widget.choices = [("", power_field.empty_label), *options]
        if filtered:
            power_field.help_text = _("已按所选岗位列出相关的权力事项。")
        self.powers_filtered = filtered
        self.chosen_post = post
        # any step of those powers is accepted (clean() says when it is another power's);
        # the chosen power's are offered (the page fetches them when the power changes)
        step_field = self.fields["step"]
        step_field.queryset = selectors.point_steps(powers)
        steps = list(step_queryset(chosen_power))
        step_field.widget.choices = [
            ("", step_field.empty_label),
            *((ModelChoiceIteratorValue(step.pk, step), step.name) for step in steps),
        ]
        step_field.widget.attrs["data-step-select"] = ""
        self.step_needed = bool(steps)
        self.fields["step"].help_text = _(
            "列出所选权力事项的环节；权力事项设有环节时，备案须指明风险点所在的环节。"
        )
        for name in ("likelihood", "harm"):
            self.fields[name].choices = [("", "—"), *grading.score_choices(self.scheme, name)]
        self.fields["likelihood"].help_text = _("发生的可能性：数字越大越可能发生。")
        self.fields["harm"].help_text = _("一旦发生的危害程度：数字越大危害越重。")
        # the kinds the scheme grades, by the level it gives them (and the point's own kind)
        graded = {
            k: int(v) for k, v in self.scheme.matter_levels.items() if k in grading.MATTER_LABELS
        }
        own = instance.matter_kind if instance is not None else ""
        if own and own not in graded and own in grading.MATTER_LABELS:
            graded[own] = next(lv for lv, kinds in grading.MATTER_KINDS.items() if own in kinds)
        self.fields["matter_kind"].choices = [
            ("", _("（不按事项性质）")),
            *[
                (
                    str(Level(level).label),
                    [(k, v) for k, v in grading.MATTER_LABELS.items() if graded.get(k) == level],
                )
                for level in Level.values
                if level in graded.values()
            ],
        ]
        self.fields["level"].choices = level_choices(_("按定级方案自动评定"))
        method = self.scheme.method
        if method != GradingScheme.Method.MATTER and not (instance and instance.matter_kind):
            del self.fields["matter_kind"]
        if method != GradingScheme.Method.CRITERIA and not (instance and instance.criteria):
            del self.fields["criteria"]
        may_set_level = permissions.may_set_level(user, org)
        if not may_set_level:
            del self.fields["level"]
        if not self.fields["department"].queryset.exists():
            # a staff member registers for their posts only
            del self.fields["department"]
            self.fields["subject"].choices = [
                c for c in subjects if c[0] != RiskPoint.Subject.DEPARTMENT
            ]
        if instance is None:
            if may_set_level:
                self.fields["reason"].label = _("定级说明")
                self.fields["reason"].help_text = _(
                    "在上方“风险等级”中人工指定等级（不按定级方案评定）时必须填写。"
                )
            else:
                # no level by hand on this form: nothing to explain
                del self.fields["reason"]
            people = selectors.measure_owner_people(user, org).select_related("department")
            owner = self.fields["measure_owner"]
            owner.queryset = people.order_by("staff_no")
            owner.label_from_instance = lambda p: (
                punctuation.bracketed(p.name, p.department.name) if p.department_id else p.name
            )
            me = org_selectors.person_of(user)
            if me is not None and not self.is_bound:
                owner.initial = me.pk
            owner.help_text = _("默认为本人；填写了防控措施时必须选择。")
        else:
            del self.fields["measure_text"]
            del self.fields["measure_owner"]
        # what the scheme grades by is required for filing (the level rests on it)
        graded_by = {
            GradingScheme.Method.MATRIX: ("likelihood", "harm"),
            GradingScheme.Method.MATTER: ("matter_kind",),
            GradingScheme.Method.CRITERIA: ("criteria",),
        }.get(method, ())
        self.filing_fields = [
            name
            for name in self.FILING_FIELDS
            if name in self.fields
            and (name not in ("likelihood", "harm", "matter_kind", "criteria") or name in graded_by)
            and (name != "step" or self.step_needed or chosen_power is None)
        ]

    def _preselect_post(self, posts, held):
        """Choose the post asked for, else the only post the user holds (with subject 岗位)."""
        post = None
        if self.requested_post is not None:
            post = posts.filter(pk=self.requested_post.pk).first()
        if post is None and len(held) == 1:
            post = posts.filter(pk__in=list(held)).first()
        if post is not None:
            self.initial.setdefault("post", post.pk)
            self.initial.setdefault("subject", RiskPoint.Subject.POST)

    def _chosen(self, name):
        """The valid value of field `name`: submitted, else initial (choices depend on it)."""
        field = self.fields[name]
        if self.is_bound:
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        else:
            value = self.initial.get(name)
            value = getattr(value, "pk", value)
        if value in (None, ""):
            return None
        try:
            return field.clean(value)
        except forms.ValidationError:
            return None

    def predicted_level(self, data) -> int | None:
        """The level the point will have after saving `data`, graded as the service grades:
        a level chosen by hand wins; one set by hand before stays while its scores do."""
        instance = self.instance
        requested = data.get("level")
        if instance is not None and requested == instance.level:
            requested = None  # the form showing the current level asks for no change
        if requested:
            return requested
        scores = {
            "likelihood": data.get("likelihood"),
            "harm": data.get("harm"),
            "matter_kind": data.get("matter_kind", instance.matter_kind if instance else ""),
            "criteria": data.get("criteria", instance.criteria if instance else []),
        }
        if instance is not None and instance.level_manual:
            if all((scores[k] or None) == (getattr(instance, k) or None) for k in scores):
                return instance.level
        return grading.grade(self.scheme, **scores)

    def clean(self):
        data = super().clean()
        subject = data.get("subject")
        if subject == RiskPoint.Subject.POST and not data.get("post"):
            self.add_error("post", _("对象为岗位时须选择岗位。"))
        if subject == RiskPoint.Subject.DEPARTMENT and not data.get("department"):
            self.add_error("department", _("对象为科室时须选择科室。"))
        step, power = data.get("step"), data.get("power")
        if step is not None and power is not None and step.power_id != power.pk:
            self.add_error("step", _("所选流程环节不属于该权力事项。"))
        if (data.get("measure_text") or "").strip() and not data.get("measure_owner"):
            self.add_error("measure_owner", _("填写了防控措施时须选择措施责任人。"))
        if self.instance is not None and not self.errors:
            old, new = self.instance.level, self.predicted_level(data)
            if old != new and not (data.get("reason") or "").strip():
                self.add_error(
                    "reason",
                    _("风险等级将由“%(old)s”变为“%(new)s”，请填写变更原因。")
                    % {"old": _level_label(old), "new": _level_label(new)},
                )
        return data

    @property
    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        data.pop("measure_text", None)
        data.pop("measure_owner", None)
        if data.get("subject") == RiskPoint.Subject.UNIT:
            data["department"] = data["post"] = None
        elif data.get("subject") == RiskPoint.Subject.DEPARTMENT:
            data["post"] = None
        elif data.get("post") is not None:
            data["department"] = data["post"].department
        return data

    @property
    def measure_data(self) -> dict | None:
        """The first measure's data for `measure_create` (owned by a person), or None."""
        text = (self.cleaned_data.get("measure_text") or "").strip()
        if not text:
            return None
        return {
            "text": text,
            "owner_person": self.cleaned_data.get("measure_owner"),
            "owner_department": None,
        }


def _level_label(level):
    if not level:
        return _("未定级")
    return str(level_label(level))


class ReasonForm(ServiceErrorsMixin, forms.Form):
    """The reason (停用) or note (复核) of an action on a risk point."""

    service_errors_field = "text"

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, label, required=True, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["text"]
        field.label = label
        field.required = required
        field.help_text = help_text
        style_fields(self)


class OverdueFilterForm(FilterForm):
    """The overdue lists' filters: an organisation (for those who see several) and one of its
    departments."""

    def setup(self):
        organisations = org_selectors.organisations_visible_to(self.user).order_by("path")
        self.multi_org = len(organisations[:2]) > 1
        organisation = None
        if self.multi_org:
            self._org_field(organisations)
            organisation = self._peek("organisation")
        departments = org_selectors.departments_visible_to(self.user).select_related("organisation")
        if organisation is not None:
            departments = departments.filter(organisation=organisation)
        elif self.multi_org:
            departments = departments.none()
        self.fields["department"] = OrgChoiceField(
            departments.order_by("order", "code"),
            required=False,
            label=_("科室"),
            empty_label=_("全部科室") if not self.multi_org or organisation else _("请先选择单位"),
        )
        self.fields["q"].widget.attrs["placeholder"] = _("措施内容")
        self.order_fields(["organisation", "department", "q"])

    _peek = RegisterFilterForm._peek


class ProgressForm(ServiceErrorsMixin, forms.Form):
    """A measure put in place (已落实): since when, and the evidence: a note and/or a file
    (`measure_record_progress`)."""

    done_on = forms.DateField(label=_("落实日期"), widget=DateInput())
    evidence = forms.CharField(
        label=_("落实情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_(
            "写明做了什么、记录或凭证在哪里，例如“3 月起每月抽查 20 张处方，记录见药剂科点评台账”。"
        ),
    )
    files = forms.FileField(label=_("凭证文件"), required=False)

    def __init__(self, *args, use=None, **kwargs):
        super().__init__(*args, **kwargs)
        if use is not None:
            self.fields["files"].widget.attrs["accept"] = use.accept
            self.fields["files"].help_text = _("可选。支持 %(types)s，单个不超过 %(mb)s MB。") % {
                "types": use.type_labels,
                "mb": use.max_bytes // (1024 * 1024),
            }
        style_fields(self)


class MeasureForm(ServiceErrorsMixin, forms.Form):
    """A measure's fields for `measure_create` / `measure_update`: text, one owner (a person or
    a department of the organisation), due date and status."""

    OWNER_PERSON, OWNER_DEPARTMENT = "person", "department"
    text = forms.CharField(label=_("防控措施"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_kind = forms.ChoiceField(
        label=_("责任主体"),
        choices=[(OWNER_PERSON, _("责任人")), (OWNER_DEPARTMENT, _("责任部门"))],
        widget=InlineRadioSelect,
        initial=OWNER_PERSON,
    )
    owner_person = forms.ModelChoiceField(Person.objects.none(), label=_("责任人"), required=False)
    owner_department = forms.ModelChoiceField(
        Department.objects.none(), label=_("责任部门"), required=False
    )
    due = forms.DateField(label=_("完成时限"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("状态"), choices=Measure.Status.choices)

    def __init__(self, *args, user, organisation, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "text": instance.text,
                "owner_kind": self.OWNER_DEPARTMENT
                if instance.owner_department_id
                else self.OWNER_PERSON,
                "owner_person": instance.owner_person_id,
                "owner_department": instance.owner_department_id,
                "due": instance.due,
                "status": instance.status,
            }
        super().__init__(*args, **kwargs)
        people = selectors.measure_owner_people(user, organisation, measure=instance)
        self.fields["owner_person"].widget = person_select(
            **({"organisation": organisation.pk} if organisation is not None else {})
        )
        departments = selectors.measure_owner_departments(user, organisation, measure=instance)
        self.fields["owner_person"].queryset = people.select_related("department").order_by(
            "staff_no"
        )
        self.fields["owner_person"].label_from_instance = lambda p: (
            punctuation.bracketed(p.name, p.department.name) if p.department_id else p.name
        )
        self.fields["owner_department"].queryset = departments.order_by("order", "code")
        style_fields(self)

    def clean(self):
        data = super().clean()
        kind = data.get("owner_kind")
        if kind == self.OWNER_PERSON and not data.get("owner_person"):
            self.add_error("owner_person", _("请选择责任人。"))
        if kind == self.OWNER_DEPARTMENT and not data.get("owner_department"):
            self.add_error("owner_department", _("请选择责任部门。"))
        return data

    @property
    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        kind = data.pop("owner_kind")
        if kind == self.OWNER_PERSON:
            data["owner_department"] = None
        else:
            data["owner_person"] = None
        return data


class LinkMeasureForm(ServiceErrorsMixin, forms.Form):
    """Choose an existing measure of the point's organisation to cover the point."""

    service_errors_field = "measure"

    measure = forms.ModelChoiceField(Measure.objects.none(), label=_("已有措施"))

    def __init__(self, *args, user, point, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["measure"]
        field.queryset = (
            selectors.measures_linkable(user, point)
            .select_related("owner_person", "owner_department")
            .order_by("pk")
        )
        field.label_from_instance = lambda m: punctuation.bracketed(
            m.text[:60], m.owner.name if m.owner else "—"
        )
        style_fields(self)
