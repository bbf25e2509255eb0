"""Read-only REST endpoints for organisations, departments, posts, people and the power
catalogue (powers with their steps).

Each endpoint lists and shows only what `visible_to(user)` allows (anything else is a 404),
for signed-in users holding any role. The views declare their roles for the URL walker the
same way `role_required` does (`lianfang.core.access.ACCESS_ATTR`).
"""

from django.db.models import Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets

from lianfang.core.api import HasAnyRole, RoleDeclaredMixin

from . import power_selectors, selectors
from .models import Department, Organisation, Person, Post, Power, PowerStep


class RoleDeclaredViewSet(RoleDeclaredMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose URL callbacks declare `access_roles` like `role_required`."""

    permission_classes = [HasAnyRole]


# Serializers ----------------------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "short_name",
            "code",
            "kind",
            "kind_display",
            "parent",
            "path",
            "depth",
            "address",
        ]


class DepartmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    head_name = serializers.CharField(source="head.name", read_only=True, default=None)

    class Meta:
        model = Department
        fields = [
            "id",
            "organisation",
            "name",
            "code",
            "kind",
            "kind_display",
            "head",
            "head_name",
            "phone",
            "is_key",
            "active",
        ]


class PostSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Post
        fields = [
            "id",
            "organisation",
            "department",
            "department_name",
            "name",
            "code",
            "is_key",
            "is_sensitive",
            "is_leadership",
            "rotation_years",
            "duties",
        ]


class CurrentPostSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="post_id")
    name = serializers.CharField(source="post.name")
    start = serializers.DateField()


class PersonSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    current_post = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "organisation",
            "department",
            "department_name",
            "staff_no",
            "name",
            "gender",
            "title",
            "phone",
            "is_leader",
            "active",
            "current_post",
        ]

    @extend_schema_field(CurrentPostSerializer(allow_null=True))
    def get_current_post(self, person):
        row = self.context.get("current", {}).get(person.pk)
        return CurrentPostSerializer(row).data if row is not None else None


class PowerStepSerializer(serializers.ModelSerializer):
    post_name = serializers.CharField(source="post.name", read_only=True, default=None)

    class Meta:
        model = PowerStep
        fields = [
            "id",
            "key",
            "name",
            "order",
            "is_control_point",
            "post",
            "post_name",
            "time_limit_days",
        ]


class PowerSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    steps = PowerStepSerializer(many=True, read_only=True)

    class Meta:
        model = Power
        fields = [
            "id",
            "organisation",
            "code",
            "name",
            "category",
            "category_display",
            "basis",
            "department",
            "department_name",
            "posts",
            "duties",
            "time_limit_days",
            "is_public",
            "active",
            "library_urn",
            "library_version",
            "steps",
        ]


# Views ----------------------------------------------------------------------------------------


def _params(*params):
    return extend_schema_view(list=extend_schema(parameters=list(params)))


Q_PARAM = OpenApiParameter("q", OpenApiTypes.STR, description="名称或编码包含")
ORG_PARAM = OpenApiParameter("organisation", OpenApiTypes.INT, description="单位编号")
DEPT_PARAM = OpenApiParameter("department", OpenApiTypes.INT, description="科室编号")


@_params(Q_PARAM, OpenApiParameter("kind", OpenApiTypes.STR, description="单位类型"))
class OrganisationViewSet(RoleDeclaredViewSet):
    """Organisations the caller can see (their subtree, or the organisations they belong to)."""

    model = Organisation
    serializer_class = OrganisationSerializer

    def scoped_queryset(self, user):
        qs = selectors.organisations_visible_to(user).order_by("path")
        if q := self.query("q"):
            qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q))
        if kind := self.query("kind"):
            qs = qs.filter(kind=kind)
        return qs


@_params(Q_PARAM, ORG_PARAM, OpenApiParameter("kind", OpenApiTypes.STR, description="科室类型"))
class DepartmentViewSet(RoleDeclaredViewSet):
    """Departments the caller can see."""

    model = Department
    serializer_class = DepartmentSerializer

    def scoped_queryset(self, user):
        filters = {
            "q": self.query("q"),
            "kind": self.query("kind"),
            **self.int_queries("organisation"),
        }
        return (
            selectors.department_list(user=user, filters=filters)
            .select_related("head")
            .order_by("organisation__path", "order", "code", "pk")
        )


@_params(
    Q_PARAM,
    ORG_PARAM,
    DEPT_PARAM,
    OpenApiParameter("is_key", OpenApiTypes.BOOL, description="仅重点岗位"),
    OpenApiParameter("is_sensitive", OpenApiTypes.BOOL, description="仅敏感岗位"),
)
class PostViewSet(RoleDeclaredViewSet):
    """Posts the caller can see."""

    model = Post
    serializer_class = PostSerializer

    def scoped_queryset(self, user):
        filters = {
            "q": self.query("q"),
            "is_key": bool(self.flag_query("is_key")),
            "is_sensitive": bool(self.flag_query("is_sensitive")),
            **self.int_queries("organisation", "department"),
        }
        return selectors.post_list(user=user, filters=filters).order_by(
            "organisation__path", "code", "pk"
        )


@_params(
    OpenApiParameter("q", OpenApiTypes.STR, description="姓名或工号包含"),
    ORG_PARAM,
    DEPT_PARAM,
    OpenApiParameter("leader", OpenApiTypes.BOOL, description="仅单位领导"),
)
class PersonViewSet(RoleDeclaredViewSet):
    """People the caller can see, each with their current post."""

    model = Person
    serializer_class = PersonSerializer

    def scoped_queryset(self, user):
        filters = {
            "q": self.query("q"),
            "leader": bool(self.flag_query("leader")),
            **self.int_queries("organisation", "department"),
        }
        return selectors.person_list(user=user, filters=filters).order_by(
            "organisation__path", "staff_no", "pk"
        )

    def get_serializer(self, *args, **kwargs):
        if args and not getattr(self, "swagger_fake_view", False):
            instance = args[0]
            people = instance if isinstance(instance, list) else [instance]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["current"] = selectors.current_assignments(
                p.pk for p in people if isinstance(p, Person)
            )
        return super().get_serializer(*args, **kwargs)


@_params(
    OpenApiParameter("q", OpenApiTypes.STR, description="编码或权力名称包含"),
    ORG_PARAM,
    DEPT_PARAM,
    OpenApiParameter("category", OpenApiTypes.STR, description="权力类别"),
    OpenApiParameter("is_public", OpenApiTypes.BOOL, description="是否公开"),
    OpenApiParameter("active", OpenApiTypes.BOOL, description="是否在用（默认全部）"),
)
class PowerViewSet(RoleDeclaredViewSet):
    """The power catalogue (职权目录) the caller can see, each power with its steps."""

    model = Power
    serializer_class = PowerSerializer

    def scoped_queryset(self, user):
        filters = {
            "q": self.query("q"),
            "category": self.query("category"),
            **self.int_queries("organisation", "department"),
        }
        for name in ("is_public", "active"):
            if (value := self.flag_query(name)) is not None:
                filters[name] = value
        return (
            power_selectors.power_filter(user=user, filters=filters)
            .select_related("department")
            .prefetch_related(
                "posts",
                Prefetch(
                    "steps",
                    queryset=PowerStep.objects.select_related("post").order_by("order", "pk"),
                ),
            )
            .order_by("organisation__path", "code", "pk")
        )
