from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    title = models.CharField(_("职务/职称"), max_length=60, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_leader = models.BooleanField(_("单位领导"), default=False)
    photo = models.ImageField(_("照片"), upload_to="people/", blank=True)
    active = models.BooleanField(_("在职"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )

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

    class Meta:
        ordering = ["leader_id", "department__order"]
        indexes = [models.Index(fields=["leader", "until"])]
        verbose_name = _("领导分管")
        verbose_name_plural = _("领导分管")

    def __str__(self):
        return f"{self.leader} → {self.department}"
