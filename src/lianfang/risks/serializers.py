"""Serializers of the risk register API: they shape rows for output and parse input types.

Rules (required fields, choices against the scheme, owners, vagueness) live in services.py;
input serializers only turn JSON into the values the services take, with related objects
looked up within what the caller may manage, so an id outside it is simply "not found".
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lianfang.core.api import id_filter
from lianfang.org.models import Department, Organisation, Person, Post, Power, PowerStep
from lianfang.reviews import chain as review_chain

from . import permissions, selectors
from .models import Category, Level, Measure, RiskPoint, RiskPointEvent, level_label

# Output ---------------------------------------------------------------------------------------


class MonitorSerializer(serializers.Serializer):
    """A monitor (监控人) of a risk point by its level's rule."""

    role = serializers.CharField()
    role_display = serializers.CharField(source="role_label")
    name = serializers.CharField(
        help_text=_("姓名（纪检监察部门无负责人时为部门名称）；未设置时为空")
    )
    person = serializers.IntegerField(source="person_id", allow_null=True)


class MeasureBriefSerializer(serializers.ModelSerializer):
    """A measure as listed under a risk point."""

    owner_person_name = serializers.CharField(
        source="owner_person.name", read_only=True, default=None
    )
    owner_department_name = serializers.CharField(
        source="owner_department.name", read_only=True, default=None
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "text",
            "owner_person",
            "owner_person_name",
            "owner_department",
            "owner_department_name",
            "due",
            "status",
            "status_display",
        ]


class RiskPointEventSerializer(serializers.ModelSerializer):
    """One entry of the timeline: who changed what ({field: [old, new]}), when and why."""

    type_display = serializers.CharField(source="get_type_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RiskPointEvent
        fields = ["id", "type", "type_display", "actor", "actor_name", "at", "changes", "reason"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor_name(self, event):
        return str(event.actor) if event.actor_id else None


class RiskPointSerializer(serializers.ModelSerializer):
    """A register row: the point's fields, its measures and its monitors.

    Expects `monitors` ({point id: [Monitor]}) and `today` in the context; the view fills them
    in one go for a whole page.
    """

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    subject_display = serializers.CharField(source="get_subject_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    post_name = serializers.CharField(source="post.name", read_only=True, default=None)
    power_code = serializers.CharField(source="power.code", read_only=True)
    power_name = serializers.CharField(source="power.name", read_only=True)
    step_name = serializers.CharField(source="step.name", read_only=True, default=None)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    risk_value = serializers.IntegerField(
        source="score", read_only=True, allow_null=True, help_text=_("风险值 D = 可能性 × 危害程度")
    )
    level_display = serializers.SerializerMethodField()
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    review_overdue = serializers.SerializerMethodField()
    measures = MeasureBriefSerializer(many=True, read_only=True)
    monitors = serializers.SerializerMethodField()

    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "subject",
            "subject_display",
            "department",
            "department_name",
            "post",
            "post_name",
            "power",
            "power_code",
            "power_name",
            "step",
            "step_name",
            "category",
            "category_display",
            "name",
            "manifestation",
            "likelihood",
            "harm",
            "risk_value",
            "matter_kind",
            "criteria",
            "level",
            "level_display",
            "level_manual",
            "source",
            "source_display",
            "status",
            "status_display",
            "last_reviewed",
            "review_due",
            "review_overdue",
            "library_urn",
            "library_version",
            "author",
            "return_count",
            "created_at",
            "updated_at",
            "measures",
            "monitors",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_level_display(self, point):
        """一级（高）; null when not graded."""
        if not point.level:
            return None
        return str(level_label(point.level))

    @extend_schema_field(serializers.BooleanField())
    def get_review_overdue(self, point):
        today = self.context.get("today") or timezone.localdate()
        return (
            point.status != RiskPoint.Status.RETIRED
            and point.review_due is not None
            and point.review_due < today
        )

    @extend_schema_field(MonitorSerializer(many=True))
    def get_monitors(self, point):
        return MonitorSerializer(self.context.get("monitors", {}).get(point.pk, []), many=True).data


class SubmissionSerializer(serializers.Serializer):
    """A submission waiting in the review chain (备案或变更审核)."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("file 备案，change 变更"))
    kind_display = serializers.CharField(source="get_kind_display")
    level = serializers.CharField(help_text=_("等待审核的环节"))
    level_display = serializers.CharField(source="get_level_display")
    submitter = serializers.IntegerField(source="submitter_id", allow_null=True)
    submitted_at = serializers.DateTimeField()
    unchanged = serializers.BooleanField(help_text=_("与上次审核（通过或退回）的版本相同"))
    reason = serializers.CharField(help_text=_("变更理由"))
    proposed = serializers.JSONField(help_text=_("变更内容：字段 → 新值"))


class RiskPointDetailSerializer(RiskPointSerializer):
    """A risk point with its timeline (newest first) and its submission waiting in the
    review chain (null when none)."""

    events = RiskPointEventSerializer(many=True, read_only=True)
    review = serializers.SerializerMethodField()

    class Meta(RiskPointSerializer.Meta):
        fields = [*RiskPointSerializer.Meta.fields, "review", "events"]

    @extend_schema_field(SubmissionSerializer(allow_null=True))
    def get_review(self, point):
        submission = review_chain.open_submission(point)
        return SubmissionSerializer(submission).data if submission is not None else None


class MeasureSerializer(MeasureBriefSerializer):
    """A measure with the risk points it covers that the caller can see."""

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    risk_points = serializers.SerializerMethodField()

    class Meta(MeasureBriefSerializer.Meta):
        fields = [
            "id",
            "organisation",
            "organisation_name",
            *MeasureBriefSerializer.Meta.fields[1:],
            "library_urn",
            "created_at",
            "risk_points",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_risk_points(self, measure):
        return [point.pk for point in measure.visible_points]


class RegisterErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text=_("出错的字段；整体问题为空"))
    code = serializers.CharField(help_text=_("稳定的错误代码，如 no_measure、required"))
    message = serializers.CharField(help_text=_("中文说明"))


class RegisterErrorSerializer(serializers.Serializer):
    """A refused request: a summary and every problem with its code."""

    detail = serializers.CharField()
    errors = RegisterErrorItemSerializer(many=True)


# Input ----------------------------------------------------------------------------------------


def _scoped(field, queryset):
    """Point a related field at the objects the caller may use."""
    field.queryset = queryset


class RegisterWriteSerializer(serializers.Serializer):
    """A write to the register: its related fields offer only what the caller may use
    (`choices(user)`: field name -> queryset), and `service_data` is the validated values
    without those the service takes apart (`not_data`)."""

    not_data: tuple[str, ...] = ("organisation",)

    def choices(self, user) -> dict:
        raise NotImplementedError

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        fields = self.fields
        if "organisation" in fields:
            _scoped(fields["organisation"], permissions.creatable_organisations(user))
        for name, queryset in self.choices(user).items():
            field = fields[name]
            _scoped(getattr(field, "child_relation", field), queryset)

    @property
    def service_data(self) -> dict:
        data = dict(self.validated_data)
        for name in self.not_data:
            data.pop(name, None)
        return data


class RiskPointFilterSerializer(serializers.Serializer):
    """The register's filters (query parameters of the list)."""

    organisation = id_filter(_("单位编号（含下级单位）"))
    department = id_filter(_("科室编号"))
    post = id_filter(_("岗位编号"))
    power = id_filter(_("权力事项编号"))
    level = serializers.ChoiceField(
        required=False,
        choices=[*Level.choices, (selectors.UNGRADED, _("未定级"))],
        help_text=_("风险等级：1 一级（高）、2 二级（中）、3 三级（低）、0 未定级"),
    )
    category = serializers.ChoiceField(required=False, choices=Category.choices)
    source = serializers.ChoiceField(required=False, choices=RiskPoint.Source.choices)
    status = serializers.ChoiceField(
        required=False,
        choices=[*RiskPoint.Status.choices, (selectors.STATUS_ALL, _("全部状态"))],
        help_text=_("默认为在用（草稿和已备案）；all 为全部状态"),
    )
    overdue = serializers.BooleanField(required=False, help_text=_("仅复核逾期"))
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("风险点名称或表现形式包含")
    )


class MeasureFilterSerializer(serializers.Serializer):
    """Filters of the measure list (query parameters)."""

    organisation = id_filter(_("单位编号（含下级单位）"))
    risk_point = id_filter(_("覆盖此风险点的措施"))
    owner_person = id_filter(_("责任人编号"))
    owner_department = id_filter(_("责任部门编号"))
    status = serializers.ChoiceField(required=False, choices=Measure.Status.choices)
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("措施内容包含")
    )


class RiskPointUpdateSerializer(RegisterWriteSerializer):
    """Fields of a risk point a PATCH may change; only those sent are changed."""

    subject = serializers.ChoiceField(choices=RiskPoint.Subject.choices)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), allow_null=True, required=False
    )
    post = serializers.PrimaryKeyRelatedField(
        queryset=Post.objects.none(), allow_null=True, required=False
    )
    power = serializers.PrimaryKeyRelatedField(queryset=Power.objects.none())
    step = serializers.PrimaryKeyRelatedField(
        queryset=PowerStep.objects.none(), allow_null=True, required=False
    )
    category = serializers.ChoiceField(choices=Category.choices)
    name = serializers.CharField(max_length=200)
    manifestation = serializers.CharField()
    likelihood = serializers.IntegerField(allow_null=True, required=False)
    harm = serializers.IntegerField(allow_null=True, required=False)
    matter_kind = serializers.CharField(allow_blank=True, required=False, max_length=30)
    criteria = serializers.ListField(child=serializers.CharField(), required=False)
    source = serializers.ChoiceField(choices=RiskPoint.Source.choices, required=False)
    level = serializers.ChoiceField(
        choices=Level.choices,
        allow_null=True,
        required=False,
        help_text=_("人工指定风险等级；省略或为空时按定级方案评定"),
    )
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        write_only=True,
        help_text=_("变更原因；人工调整等级时必填"),
    )

    not_data = ("organisation", "reason")

    def choices(self, user) -> dict:
        powers = selectors.powers_visible_to(user)
        return {
            "department": permissions.point_departments(user),
            "post": permissions.point_posts(user),
            "power": powers,
            "step": selectors.point_steps(powers.values("pk")),
        }


class RiskPointCreateSerializer(RiskPointUpdateSerializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        help_text=_("单位编号（须为本人可登记风险点和防控措施的单位）"),
    )


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, help_text=_("复核意见"))


class RetireSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("停用原因（必填）"))


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(
        allow_blank=True, required=False, max_length=2000, help_text=_("审核意见")
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000, help_text=_("原因（必填）"))


class ChangeRequestSerializer(RiskPointUpdateSerializer):
    """A filed point's fields as proposed (only those sent), and why (`reason`, required)."""

    reason = serializers.CharField(
        allow_blank=True, write_only=True, max_length=2000, help_text=_("变更理由（必填）")
    )


class MeasureUpdateSerializer(RegisterWriteSerializer):
    """Fields of a measure a PATCH may change. `risk_points`, when sent, is the full list of
    the visible risk points it covers: missing ones are unlinked, new ones linked."""

    text = serializers.CharField()
    owner_person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.none(), allow_null=True, required=False
    )
    owner_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.none(), allow_null=True, required=False
    )
    due = serializers.DateField(allow_null=True, required=False)
    status = serializers.ChoiceField(choices=Measure.Status.choices, required=False)
    risk_points = serializers.PrimaryKeyRelatedField(
        queryset=RiskPoint.objects.none(), many=True, required=False
    )

    not_data = ("organisation", "risk_points")

    def choices(self, user) -> dict:
        return {
            "owner_person": selectors.measure_owner_people(user),
            "owner_department": selectors.measure_owner_departments(user),
            "risk_points": selectors.risk_points_visible_to(user),
        }


class MeasureCreateSerializer(MeasureUpdateSerializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(),
        help_text=_("单位编号（须为本人可登记风险点和防控措施的单位）"),
    )
