import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pinyin import name_initials


class DepartmentQuerySet(models.QuerySet):
    def active(self):
        """Departments in use (在用)."""
        return self.filter(active=True)


class PersonQuerySet(models.QuerySet):
    def active(self):
        """People on the staff now (在职)."""
        return self.filter(active=True)


class PostAssignmentQuerySet(models.QuerySet):
    def current(self):
        """The posts people hold now: assignments still open (no end date)."""
        return self.filter(end__isnull=True)


class LeaderDivisionQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None):
        """Divisions of work (分管) in force on `on` (today by default): begun by then and not
        ended before."""
        on = on or timezone.localdate()
        return self.filter(Q(since__lte=on), Q(until__isnull=True) | Q(until__gte=on))


class Organisation(models.Model):
    """A node of the organisation tree: 卫健委 → 医院, or 省局 → 市局 → 县局 → 分局/所.

    `path` is the materialised path of primary keys ("/1/5/12/"), so "this node and below"
    is one indexed prefix match.
    """

    class Kind(models.TextChoices):
        AUTHORITY = "authority", _("主管部门")
        HOSPITAL = "hospital", _("医院")
        BUREAU = "bureau", _("机关单位")
        BRANCH = "branch", _("分局/所")
        ENTERPRISE = "enterprise", _("国有企业")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    code = models.CharField(_("编码"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    # Who watches level-1 risks (主要负责人) and which department is the integrity office.
    principal_leader = models.ForeignKey(
        "Person",
        verbose_name=_("主要负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    integrity_department = models.ForeignKey(
        "Department",
        verbose_name=_("纪检监察部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name

    def ancestors_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Department(models.Model):
    class Kind(models.TextChoices):
        CLINICAL = "clinical", _("临床科室")
        MEDICAL_TECH = "medical_tech", _("医技科室")
        ADMINISTRATIVE = "administrative", _("行政职能科室")
        LOGISTICS = "logistics", _("后勤保障")
        BUSINESS = "business", _("业务科室")
        OTHER = "other", _("其他")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("名称"), max_length=80)
    code = models.CharField(_("编码"), max_length=40)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_key = models.BooleanField(_("重点科室"), default=False)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("在用"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="org_department_unique_code"
            ),
            models.UniqueConstraint(
                fields=["organisation", "name"], name="org_department_unique_name"
            ),
        ]
        verbose_name = _("科室")
        verbose_name_plural = _("科室")

    def __str__(self):
        return self.name


class DepartmentFunction(models.Model):
    """One of a department's functions (职能)."""

    department = models.ForeignKey(
        Department, verbose_name=_("科室"), on_delete=models.CASCADE, related_name="functions"
    )
    title = models.CharField(_("职能"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["department_id", "order", "id"]
        verbose_name = _("科室职能")
        verbose_name_plural = _("科室职能")

    def __str__(self):
        return self.title


class Post(models.Model):
    """A post (岗位). Key and sensitive posts are rotated after `rotation_years`."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="posts"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    name = models.CharField(_("岗位名称"), max_length=80)
    code = models.CharField(_("编码"), max_length=40)
    is_key = models.BooleanField(_("重点岗位"), default=False)
    is_sensitive = models.BooleanField(_("敏感岗位"), default=False)
    is_leadership = models.BooleanField(_("领导岗位"), default=False)
    rotation_years = models.PositiveSmallIntegerField(_("轮岗周期(年)"), null=True, blank=True)
    duties = models.TextField(_("岗位职责"), blank=True)

    class Meta:
        ordering = ["organisation_id", "department_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="org_post_unique_code"),
            models.CheckConstraint(
                condition=Q(rotation_years__isnull=True) | Q(rotation_years__gte=1),
                name="org_post_rotation_positive",
            ),
        ]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self):
        return self.name


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="people"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    staff_no = models.CharField(_("工号"), max_length=30)
    name = models.CharField(_("姓名"), max_length=40)
    # The name's pinyin initials (org.pinyin.name_initials), searched by the person picker;
    # derived from the name on every save and by the bulk writer, never typed.
    name_initials = models.CharField(
        _("姓名拼音首字母"), max_length=120, blank=True, default="", editable=False
    )
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    title = models.CharField(_("职务/职称"), max_length=60, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_leader = models.BooleanField(_("单位领导"), default=False)
    # The current photo, kept by core.attachments (use `person_photo`: re-encoded, served only
    # through org:person_photo to those who may see the person).
    photo = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("照片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("在职"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "staff_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "staff_no"], name="org_person_unique_staff_no"
            )
        ]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = name_initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_initials"}
        super().save(*args, **kwargs)


class PostAssignment(models.Model):
    """A person holding a post from `start` to `end` (open while `end` is empty)."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="assignments"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="assignments"
    )
    start = models.DateField(_("任职开始"))
    end = models.DateField(_("任职结束"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = PostAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "-start"]
        indexes = [models.Index(fields=["post", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="org_assignment_end_after_start",
            )
        ]
        verbose_name = _("岗位经历")
        verbose_name_plural = _("岗位经历")

    def __str__(self):
        return f"{self.person} · {self.post}"


class LeaderDivision(models.Model):
    """A leader's division of work (分管): in charge of a department since a date, with duties."""

    leader = models.ForeignKey(
        Person, verbose_name=_("领导"), on_delete=models.CASCADE, related_name="divisions"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("分管科室"),
        on_delete=models.CASCADE,
        related_name="divisions",
    )
    since = models.DateField(_("分管起始"))
    until = models.DateField(_("分管结束"), null=True, blank=True)
    duties = models.CharField(_("分管工作"), max_length=300, blank=True)

    objects = LeaderDivisionQuerySet.as_manager()

    class Meta:
        ordering = ["leader_id", "department__order"]
        indexes = [models.Index(fields=["leader", "until"])]
        verbose_name = _("领导分管")
        verbose_name_plural = _("领导分管")

    def __str__(self):
        return f"{self.leader} → {self.department}"


class Power(models.Model):
    """A power (权力事项) of the power catalogue (职权目录), exercised through its steps."""

    class Category(models.TextChoices):
        PROCUREMENT = "procurement", _("采购")
        CONSTRUCTION = "construction", _("基建")
        PERSONNEL = "personnel", _("人事")
        FINANCE = "finance", _("财务")
        DECISION = "decision", _("三重一大决策")
        PRESCRIBING = "prescribing", _("用药")
        TREATMENT = "treatment", _("诊疗")
        EXAMINATION = "examination", _("检查")
        LICENSING = "licensing", _("行政许可")
        ENFORCEMENT = "enforcement", _("行政执法")
        FEES = "fees", _("收费")
        SUPERVISION = "supervision", _("监管")
        STAFF_MANAGEMENT = "staff_management", _("队伍管理")
        LOGISTICS = "logistics", _("后勤保障")
        OFFICE = "office", _("办公室事务")
        DOCUMENTS = "documents", _("文书")
        SEALS = "seals", _("印章")
        STATISTICS = "statistics", _("统计")
        ARCHIVES = "archives", _("档案")
        CADRE = "cadre", _("干部人事")
        LAND = "land", _("国土资源")
        TRANSPORT = "transport", _("交通运输")
        OTHER = "other", _("其他")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="powers"
    )
    code = models.CharField(_("编码"), max_length=40)
    name = models.CharField(_("权力名称"), max_length=200)
    category = models.CharField(
        _("权力类别"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    basis = models.TextField(_("行使依据"), blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="powers",
    )
    posts = models.ManyToManyField(
        Post, verbose_name=_("承办岗位"), blank=True, related_name="powers"
    )
    duties = models.TextField(_("责任事项"), blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("办理期限(天)"), null=True, blank=True)
    is_public = models.BooleanField(_("是否公开"), default=True)
    active = models.BooleanField(_("在用"), default=True)
    library_urn = models.CharField(_("标准库标识"), max_length=200, blank=True, db_index=True)
    library_version = models.PositiveIntegerField(_("标准库版本"), null=True, blank=True)

    class Meta:
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="org_power_unique_code"),
            models.UniqueConstraint(
                fields=["organisation", "library_urn"],
                condition=~Q(library_urn=""),
                name="org_power_unique_library_urn",
            ),
        ]
        verbose_name = _("权力事项")
        verbose_name_plural = _("职权目录")

    def __str__(self):
        return self.name

    @property
    def post_departments(self) -> list:
        """The departments of the posts that exercise the power, in the posts' order: where
        a power without a single 承办部门 (a clinical one: every clinical department
        prescribes) is handled. Reads `posts` as prefetched with their departments."""
        seen = {}
        for post in self.posts.all():
            if post.department_id is not None:
                seen.setdefault(post.department_id, post.department)
        return list(seen.values())

    @property
    def handled_by(self) -> str:
        """承办部门 as a text: the department, else those of its posts."""
        if self.department_id:
            return self.department.name
        return "、".join(d.name for d in self.post_departments)


class PowerStep(models.Model):
    """A step (流程环节) of a power; a control point (内控点) is handled by a designated person."""

    power = models.ForeignKey(
        Power, verbose_name=_("权力事项"), on_delete=models.CASCADE, related_name="steps"
    )
    key = models.SlugField(_("环节代码"), max_length=60)
    name = models.CharField(_("环节名称"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_control_point = models.BooleanField(_("内控点"), default=False)
    post = models.ForeignKey(
        Post,
        verbose_name=_("办理岗位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="power_steps",
    )
    time_limit_days = models.PositiveSmallIntegerField(_("时限(天)"), null=True, blank=True)

    class Meta:
        ordering = ["power_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["power", "key"], name="org_powerstep_unique_key")
        ]
        verbose_name = _("流程环节")
        verbose_name_plural = _("流程环节")

    def __str__(self):
        return self.name
