"""REST endpoints of the risk register: risk points (with their measures, monitors and
timeline) and measures.

Reading: any role, within `visible_to(user)` (anything else is a 404). Writing: by the rules
of permissions.py, the same as the pages' (a visible object the user may not act on is a 403):
the integrity office and administrators of the object's organisation take every action; a
department head acts on the drafts of their department, a staff member on the drafts of the
posts they hold now. Every write goes through services.py. The views declare their roles for
the URL walker the same way `role_required` does (`lianfang.core.access.ACCESS_ATTR`).

A refused request answers 400 with `{"detail": …, "errors": [{"field", "code", "message"}]}`:
the codes are the services' (`RiskError`, the vagueness check's `FilingProblem`) or DRF's
(`required`, `invalid_choice`, `does_not_exist` …), the messages Chinese sentences.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianfang.core.api import HasAnyRole, RoleDeclaredMixin, errors_of_django, errors_of_drf
from lianfang.org import selectors as org_selectors

from . import permissions, selectors, services
from .models import Measure, RiskPoint, RiskPointEvent
from .serializers import (
    ApproveSerializer,
    ChangeRequestSerializer,
    MeasureCreateSerializer,
    MeasureFilterSerializer,
    MeasureSerializer,
    MeasureUpdateSerializer,
    ReasonSerializer,
    RegisterErrorSerializer,
    RetireSerializer,
    ReviewSerializer,
    RiskPointCreateSerializer,
    RiskPointDetailSerializer,
    RiskPointFilterSerializer,
    RiskPointSerializer,
    RiskPointUpdateSerializer,
)
from .vagueness import FilingProblem

INVALID = _("提交的内容有误，未作修改。")
BAD_QUERY = _("查询参数有误。")
NOT_FILED = _("风险点未通过备案检查（查不准的不能过关），请按各项原因修改后再备案。")


ERROR_RESPONSE = OpenApiResponse(RegisterErrorSerializer, description=INVALID)
QUERY_ERROR_RESPONSE = OpenApiResponse(RegisterErrorSerializer, description=BAD_QUERY)


class RegisterViewSet(RoleDeclaredMixin, viewsets.GenericViewSet):
    """Scoped reads and service-backed writes; declares `access_roles` like `role_required`."""

    permission_classes = [HasAnyRole]
    refused_codes: set = frozenset()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def refuse(self):
        raise exceptions.PermissionDenied(permissions.REFUSED)

    def parse(self, serializer_class, *, data=None, partial=False):
        serializer = serializer_class(
            data=self.request.data if data is None else data,
            partial=partial,
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def refused_detail(self) -> str:
        return str(BAD_QUERY if self.action == "list" else INVALID)

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            errors = errors_of_django(exc)
        elif isinstance(exc, exceptions.ValidationError):
            errors = errors_of_drf(exc.detail)
        else:
            return super().handle_exception(exc)
        self.refused_codes = {error["code"] for error in errors}
        return Response(
            {"detail": self.refused_detail(), "errors": errors},
            status=status.HTTP_400_BAD_REQUEST,
        )


def register_schema(*, titles, filters, listed, written, create, update):
    """The OpenAPI description of a register viewset: list (filtered), retrieve, create and
    partial update, each summarised by one of `titles` in that order."""
    list_title, retrieve_title, create_title, update_title = titles
    return extend_schema_view(
        list=extend_schema(
            summary=list_title,
            parameters=[filters],
            responses={200: listed(many=True), 400: QUERY_ERROR_RESPONSE},
        ),
        retrieve=extend_schema(summary=retrieve_title),
        create=extend_schema(
            summary=create_title,
            request=create,
            responses={201: written, 400: ERROR_RESPONSE},
        ),
        partial_update=extend_schema(
            summary=update_title,
            request=update,
            responses={200: written, 400: ERROR_RESPONSE},
        ),
    )


# Risk points ----------------------------------------------------------------------------------


@register_schema(
    titles=(
        "风险点台账",
        "风险点（含防控措施、监控人和变更记录）",
        "新增风险点（草稿）",
        "修改风险点",
    ),
    filters=RiskPointFilterSerializer,
    listed=RiskPointSerializer,
    written=RiskPointDetailSerializer,
    create=RiskPointCreateSerializer,
    update=RiskPointUpdateSerializer,
)
class RiskPointViewSet(RegisterViewSet):
    """The risk register (风险点台账) the caller can see.

    Each point carries its measures and monitors (监控人, by its level's rule); the detail adds
    the timeline. Writes: as on the pages (permissions.py).
    """

    model = RiskPoint
    serializer_class = RiskPointSerializer

    def get_serializer_class(self):
        return RiskPointSerializer if self.action == "list" else RiskPointDetailSerializer

    def scoped_queryset(self, user):
        if self.action == "list":
            filters = self.list_filters(user)
            if filters is None:
                return RiskPoint.objects.none()
            # The register page leaves the long texts out of its rows; API rows carry them.
            points = selectors.risk_point_list(user=user, filters=filters).defer(None)
            return points.prefetch_related(selectors.measures_prefetch()).order_by(
                "organisation__path", F("level").asc(nulls_last=True), "pk"
            )
        return (
            selectors.risk_points_visible_to(user)
            .select_related(*selectors.LIST_RELATED)
            .prefetch_related(
                selectors.measures_prefetch(),
                Prefetch("events", queryset=RiskPointEvent.objects.select_related("actor")),
            )
        )

    def list_filters(self, user) -> dict | None:
        """The register's filters from the query string; None when the organisation asked
        for is not one the user sees (nothing matches)."""
        form = self.parse(RiskPointFilterSerializer, data=self.request.query_params)
        filters = dict(form.validated_data)
        if "organisation" in filters:
            organisation = (
                org_selectors.organisations_visible_to(user)
                .filter(pk=filters["organisation"])
                .only("pk", "path")
                .first()
            )
            if organisation is None:
                return None
            filters["organisation"] = organisation
        return filters

    def _data(self, points, many=False):
        context = self.get_serializer_context()
        rows = points if many else [points]
        context["monitors"] = selectors.monitors_for(rows, today=context["today"])
        return self.get_serializer_class()(points, many=many, context=context).data

    def _fresh(self, pk):
        return self._data(self.get_queryset().get(pk=pk))

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._data(page, many=True))

    def retrieve(self, request, pk=None):
        point = self.get_object()
        return Response(self._data(point))

    def point_for(self, action) -> RiskPoint:
        """The visible point (else 404) on which the user may take `action` (else 403)."""
        point = self.get_object()
        if not permissions.may(self.request.user, action, point):
            self.refuse()
        return point

    def create(self, request):
        form = self.parse(RiskPointCreateSerializer)
        organisation = form.validated_data["organisation"]
        if not permissions.may_save_point(request.user, organisation, form.service_data):
            self.refuse()
        point = services.risk_point_create(
            actor=request.user,
            organisation=organisation,
            data=form.service_data,
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self._fresh(point.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        point = self.point_for(permissions.EDIT)
        form = self.parse(RiskPointUpdateSerializer, partial=True)
        if not permissions.may_save_point(
            request.user, point.organisation, form.service_data, point
        ):
            self.refuse()
        services.risk_point_update(
            actor=request.user,
            risk_point=point,
            data=form.service_data,
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self._fresh(point.pk))

    def refused_detail(self) -> str:
        vague = self.refused_codes & {problem.value for problem in FilingProblem}
        if self.action in ("file", "file_directly") and vague:
            return str(NOT_FILED)
        return super().refused_detail()

    @extend_schema(
        summary="提交备案审核",
        description=(
            "草稿的编写人（科室风险点为部门负责人）提交备案：须先通过空泛性检查（须指明权力"
            "事项及环节、具体表现形式、已定级、至少一条有责任人的防控措施、不含空泛表述），"
            "否则返回 400，列出每一项原因及其代码。通过后按本单位审核流程逐级审核（review 为"
            "当前待审环节），纪检监察部门审核通过即备案。"
        ),
        request=None,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        point = self.point_for(permissions.FILE)
        services.risk_point_submit(actor=request.user, risk_point=point)
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="直接备案",
        description="纪检监察部门不经逐级审核直接备案草稿，须填写理由（记入变更记录和审计日志）。",
        request=ReasonSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="file-directly", url_name="file-directly")
    def file_directly(self, request, pk=None):
        point = self.point_for(permissions.FILE_DIRECTLY)
        form = self.parse(ReasonSerializer)
        services.risk_point_file_directly(
            actor=request.user, risk_point=point, reason=form.validated_data["reason"]
        )
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="审核通过",
        description="当前审核环节的审核人通过（不得审核本人提交或编写的内容）；纪检监察部门"
        "通过时办结：备案申请即备案，变更申请即按变更内容修改。",
        request=ApproveSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        point = self.point_for(permissions.APPROVE)
        form = self.parse(ApproveSerializer)
        services.risk_point_approve(
            actor=request.user, risk_point=point, note=form.validated_data.get("note", "")
        )
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="退回",
        description="当前审核环节的审核人退回编写人，须填写原因；风险点退回次数加一。",
        request=ReasonSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        point = self.point_for(permissions.RETURN)
        form = self.parse(ReasonSerializer)
        services.risk_point_return(
            actor=request.user, risk_point=point, reason=form.validated_data["reason"]
        )
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="跳过审核环节",
        description="纪检监察部门跳过当前（部门负责人或分管领导）审核环节，须填写原因。",
        request=ReasonSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        point = self.point_for(permissions.SKIP)
        form = self.parse(ReasonSerializer)
        services.risk_point_skip_level(
            actor=request.user, risk_point=point, reason=form.validated_data["reason"]
        )
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="请求变更",
        description="已备案风险点的编写人提出变更（只需发送要修改的字段）并说明理由；审核通过前"
        "风险点按已备案内容执行，纪检监察部门审核通过后按变更内容修改。",
        request=ChangeRequestSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="request-change", url_name="request-change")
    def request_change(self, request, pk=None):
        point = self.point_for(permissions.REQUEST_CHANGE)
        form = self.parse(ChangeRequestSerializer, partial=True)
        if not permissions.may_propose(request.user, point, form.service_data):
            self.refuse()
        services.risk_point_request_change(
            actor=request.user,
            risk_point=point,
            data=form.service_data,
            reason=form.validated_data.get("reason", ""),
        )
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="复核",
        request=ReviewSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        point = self.point_for(permissions.REVIEW)
        form = self.parse(ReviewSerializer)
        services.risk_point_review(
            actor=request.user, risk_point=point, note=form.validated_data.get("note", "")
        )
        return Response(self._fresh(point.pk))

    @extend_schema(
        summary="停用",
        request=RetireSerializer,
        responses={200: RiskPointDetailSerializer, 400: ERROR_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        point = self.point_for(permissions.RETIRE)
        form = self.parse(RetireSerializer)
        services.risk_point_retire(
            actor=request.user, risk_point=point, reason=form.validated_data["reason"]
        )
        return Response(self._fresh(point.pk))


# Measures -------------------------------------------------------------------------------------


@register_schema(
    titles=("防控措施", "防控措施（含所覆盖的风险点编号）", "新增防控措施", "修改防控措施"),
    filters=MeasureFilterSerializer,
    listed=MeasureSerializer,
    written=MeasureSerializer,
    create=MeasureCreateSerializer,
    update=MeasureUpdateSerializer,
)
class MeasureViewSet(RegisterViewSet):
    """Prevention and control measures (防控措施) the caller can see, each with the visible
    risk points it covers. Writes: as on the pages (permissions.py); changing which points a
    measure covers is linking and unlinking each of them."""

    model = Measure
    serializer_class = MeasureSerializer

    def scoped_queryset(self, user):
        measures = selectors.measures_visible_to(user)
        if self.action == "list":
            measures = self.filtered(user, measures)
        return (
            measures.select_related("organisation", "owner_person", "owner_department")
            .prefetch_related(
                Prefetch(
                    "risk_points",
                    queryset=selectors.risk_points_visible_to(user).only("pk").order_by("pk"),
                    to_attr="visible_points",
                )
            )
            .order_by("organisation__path", "pk")
        )

    def filtered(self, user, measures):
        """The visible measures narrowed by the query string's filters."""
        form = self.parse(MeasureFilterSerializer, data=self.request.query_params)
        filters = dict(form.validated_data)
        if "organisation" in filters:
            organisation = (
                org_selectors.organisations_visible_to(user)
                .filter(pk=filters["organisation"])
                .only("pk", "path")
                .first()
            )
            if organisation is None:
                return measures.none()
            filters["organisation"] = organisation
        return selectors.measures_filtered(measures, filters)

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request):
        form = self.parse(MeasureCreateSerializer)
        data = form.validated_data
        points = data.get("risk_points", [])
        if not permissions.may_create_measure(request.user, data["organisation"], points):
            self.refuse()
        measure = services.measure_create(
            actor=request.user,
            organisation=data["organisation"],
            data={**form.service_data, "risk_points": points},
        )
        return Response(self._fresh(measure.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        user = request.user
        measure = self.get_object()
        form = self.parse(MeasureUpdateSerializer, partial=True)
        data = form.service_data
        if data and not permissions.may_edit_measure(user, measure):
            self.refuse()
        wanted = form.validated_data.get("risk_points")
        added, removed = [], []
        if wanted is not None:
            # Points the caller cannot see stay linked: they are not theirs to drop.
            covered = list(
                selectors.risk_points_visible_to(user)
                .filter(measures=measure)
                .select_related("organisation")
            )
            covered_ids = {point.pk for point in covered}
            wanted_ids = {point.pk for point in wanted}
            added = [point for point in wanted if point.pk not in covered_ids]
            removed = [point for point in covered if point.pk not in wanted_ids]
        if not all(permissions.may(user, permissions.LINK, p) for p in added + removed):
            self.refuse()
        if not (data or added or removed) and not permissions.may_edit_measure(user, measure):
            self.refuse()  # nothing to change: still only for whoever may change it
        with transaction.atomic():  # the fields and the links change together or not at all
            if data:
                services.measure_update(actor=user, measure=measure, data=data)
            if added:
                services.measure_link(actor=user, measure=measure, risk_points=added)
            if removed:
                services.measure_unlink(actor=user, measure=measure, risk_points=removed)
        return Response(self._fresh(measure.pk))
