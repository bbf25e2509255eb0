"""REST endpoints of the flows: the flows one may start, starting an instance (办件), my tasks
(待办), acting on a task, reading an instance.

Reading: any role, within `visible_to(user)` (anything else is a 404). Acting: the task's
handler only (the applicant withdraws); a task that is not the caller's, not ready any more
or out of scope answers 404 and nothing changes. An integration (an OA system's service
account holding the administrator role on the organisation) may start and act for the
organisation's people (`on_behalf_of`: their staff number); the audit log names both.

A refused request answers 400 with `{"detail": …, "errors": [{"field", "code", "message"}]}`,
the codes being the services' (`FlowError`) or DRF's.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lianfang.core.api import HasAnyRole, RoleDeclaredMixin, errors_of_django, errors_of_drf
from lianfang.org.models import Person

from . import selectors, services
from .errors import FlowError, error
from .models import FlowDefinition, Instance, Task
from .serializers import (
    ActSerializer,
    DefinitionSerializer,
    ErrorSerializer,
    InstanceDetailSerializer,
    InstanceSerializer,
    StartSerializer,
    TaskSerializer,
)

INVALID = _("提交的内容有误，未作修改。")
ERROR_RESPONSE = OpenApiResponse(ErrorSerializer, description=INVALID)
NOT_FOUND = OpenApiResponse(description=_("不存在、不在您的范围内，或不归您办理"))


class FlowViewSet(RoleDeclaredMixin, viewsets.GenericViewSet):
    permission_classes = [HasAnyRole]

    def parse(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            errors = errors_of_django(exc)
        elif isinstance(exc, exceptions.ValidationError):
            errors = errors_of_drf(exc.detail)
        else:
            return super().handle_exception(exc)
        return Response({"detail": str(INVALID), "errors": errors}, status=400)

    def person(self, staff_no, organisation):
        """The organisation's person of that staff number (for `on_behalf_of`)."""
        if not staff_no:
            return None
        person = (
            Person.objects.filter(organisation=organisation, staff_no=staff_no.strip(), active=True)
            .select_related("user")
            .first()
        )
        if person is None:
            raise error(FlowError.NOT_RELAY, "on_behalf_of")
        return person


@extend_schema_view(list=extend_schema(summary="可发起的流程"))
class DefinitionViewSet(FlowViewSet, mixins.ListModelMixin):
    """The flows the caller may start, with their current version's form fields."""

    model = FlowDefinition
    serializer_class = DefinitionSerializer
    pagination_class = None

    def scoped_queryset(self, user):
        pks = [d.pk for d in selectors.startable_definitions(user)]
        if services.is_relay(user):
            pks += list(
                selectors.definitions_visible_to(user)
                .filter(active=True, current_version__isnull=False)
                .values_list("pk", flat=True)
            )
        return (
            FlowDefinition.objects.filter(pk__in=pks)
            .select_related("current_version", "power")
            .order_by("organisation_id", "code")
        )


@extend_schema_view(
    list=extend_schema(summary="我发起的办件"),
    retrieve=extend_schema(
        summary="办件（含表单、环节和办理记录）",
        responses={200: InstanceDetailSerializer, 404: NOT_FOUND},
    ),
)
class InstanceViewSet(FlowViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Instances: those the caller started (list), any in their scope (read), and starting one."""

    model = Instance
    serializer_class = InstanceSerializer

    def get_serializer_class(self):
        return InstanceDetailSerializer if self.action == "retrieve" else InstanceSerializer

    def scoped_queryset(self, user):
        if self.action == "list":
            return selectors.started_by(user)
        return selectors.instance_detail_queryset(user)

    def detail_of(self, pk):
        return InstanceDetailSerializer(
            selectors.instance_detail_queryset(self.request.user).get(pk=pk)
        ).data

    @extend_schema(
        summary="发起办件",
        description=(
            "按流程当前版本发起办件：data 为表单内容（金额可写 150000、15万、150,000元）。"
            "对接服务账号可用 on_behalf_of（工号）代本单位人员发起。附件字段的文件以 "
            "multipart/form-data 上传，文件部分以附件字段名命名；类型（按内容识别）和大小的"
            "限制与页面相同，被拒时办件不发起。"
        ),
        request={"application/json": StartSerializer, "multipart/form-data": StartSerializer},
        responses={201: InstanceDetailSerializer, 400: ERROR_RESPONSE, 404: NOT_FOUND},
    )
    def create(self, request):
        form = self.parse(StartSerializer)
        definition = (
            self.definitions(request.user)
            .filter(pk=form["definition"])
            .select_related("current_version", "organisation")
            .first()
        )
        if definition is None or definition.current_version is None:
            raise exceptions.NotFound()
        instance = services.instance_start(
            actor=request.user,
            version=definition.current_version,
            data=form.get("data") or {},
            files=self.start_files(definition.current_version),
            title=form.get("title", ""),
            on_behalf_of=self.person(form.get("on_behalf_of"), definition.organisation),
        )
        return Response(self.detail_of(instance.pk), status=status.HTTP_201_CREATED)

    def definitions(self, user):
        return selectors.definitions_visible_to(user)

    def start_files(self, version) -> dict:
        """The uploaded files by attachment field; a file part named otherwise is refused."""
        fields = {f["name"] for f in version.spec.get("fields", []) if f["type"] == "attachment"}
        files = {}
        for name in self.request.FILES:
            if name not in fields:
                raise error(FlowError.ATTACHMENT_FIELD, str(name)[:60], name=str(name)[:60])
            files[name] = self.request.FILES.getlist(name)
        return files


@extend_schema_view(list=extend_schema(summary="我的待办"))
class TaskViewSet(FlowViewSet, mixins.ListModelMixin):
    """The caller's ready tasks (待办), and acting on one."""

    model = Task
    serializer_class = TaskSerializer

    def scoped_queryset(self, user):
        if self.action == "list":
            return selectors.my_ready_tasks(user)
        return selectors.tasks_visible_to(user)

    @extend_schema(
        summary="办理待办",
        description=(
            "action：approve 同意、return 退回（return_to 为已办环节标识，缺省退回上一"
            "环节，须写理由）、reject 不同意（须写理由）、withdraw 申请人撤回（首个审批同意"
            "之前）、comment 意见、transfer 转办（transfer_to 人员 id，须写理由）。不归您"
            "办理、已办理或不在范围内的待办返回 404，且不作任何修改；重复提交同样返回 404。"
            "附件以 multipart/form-data 的 attachment 部分上传（可多个），检查与页面相同。"
        ),
        request={"application/json": ActSerializer, "multipart/form-data": ActSerializer},
        responses={200: InstanceDetailSerializer, 400: ERROR_RESPONSE, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def act(self, request, pk=None):
        task = self.get_object()
        form = self.parse(ActSerializer)
        relayed = self.person(form.get("on_behalf_of"), task.organisation)
        if relayed is not None and relayed.user_id is None:
            raise exceptions.NotFound()
        target = form.get("return_to") or None
        if form["action"] == "transfer":
            target = (
                Person.objects.filter(
                    pk=form.get("transfer_to") or 0, organisation_id=task.organisation_id
                )
                .select_related("user")
                .first()
            )
        services.task_act(
            actor=request.user,
            task=task,
            action=form["action"],
            reason=form.get("reason", ""),
            data=form.get("data") or None,
            target=target,
            files={"attachment": form["attachment"]} if form.get("attachment") else None,
            expected_version=form.get("expected_version"),
            on_behalf_of=relayed.user if relayed is not None else None,
        )
        return Response(_detail(request.user, task.instance_id))


def _detail(user, pk) -> dict:
    """The instance after an act, as the caller now sees it (empty if out of their sight)."""
    instance = selectors.instance_detail_queryset(user).filter(pk=pk).first()
    if instance is None:
        return {}
    return InstanceDetailSerializer(instance).data
