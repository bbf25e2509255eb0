"""What the flows' API reads and writes."""

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

from lianfang.core.api import ID_MAX

from .models import FlowDefinition, Instance, InstanceEvent, Task
from .services import ACTIONS


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """A refused request: a summary and every problem with its code."""

    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


class FieldSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField()
    public = serializers.BooleanField()
    options = serializers.ListField(child=serializers.CharField())


class DefinitionSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.number", read_only=True)
    fields = FieldSpecSerializer(source="current_version.spec.fields", many=True, read_only=True)
    power = serializers.CharField(source="power.code", default=None, read_only=True)

    class Meta:
        model = FlowDefinition
        fields = ["id", "code", "name", "power", "version", "fields"]


class TaskSerializer(serializers.ModelSerializer):
    instance = serializers.IntegerField(source="instance_id", read_only=True)
    instance_title = serializers.CharField(source="instance.title", read_only=True)
    instance_number = serializers.CharField(source="instance.number", read_only=True)
    flow = serializers.CharField(source="instance.version.definition.code", read_only=True)
    assignee = serializers.CharField(source="assignee_person.name", default=None, read_only=True)
    step = serializers.CharField(source="step.name", default=None, read_only=True)
    state = serializers.CharField(
        read_only=True, help_text="ready 待办 · completed 已办 · cancelled 已取消"
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "instance",
            "instance_title",
            "instance_number",
            "flow",
            "bpmn_id",
            "name",
            "state",
            "decision",
            "comment",
            "assignee",
            "is_control_point",
            "step",
            "due_at",
            "created_at",
            "completed_at",
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.__str__", default=None, read_only=True)
    task = serializers.IntegerField(source="task_id", default=None, read_only=True)

    class Meta:
        model = InstanceEvent
        fields = ["kind", "task", "actor", "data", "at"]


class InstanceSerializer(serializers.ModelSerializer):
    flow = serializers.CharField(source="version.definition.code", read_only=True)
    flow_name = serializers.CharField(source="version.definition.name", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    applicant = serializers.CharField(source="applicant_person.name", default=None, read_only=True)
    department = serializers.CharField(source="department.name", default=None, read_only=True)
    state = serializers.CharField(
        read_only=True,
        help_text="running 办理中 · completed 已办结 · rejected 已驳回 · withdrawn 已撤回",
    )

    class Meta:
        model = Instance
        fields = [
            "id",
            "number",
            "title",
            "flow",
            "flow_name",
            "version",
            "state",
            "applicant",
            "department",
            "lock_version",
            "started_at",
            "finished_at",
        ]


class InstanceDetailSerializer(InstanceSerializer):
    data = serializers.JSONField(read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(InstanceSerializer.Meta):
        fields = [*InstanceSerializer.Meta.fields, "data", "tasks", "events"]


class FormDataField(serializers.DictField):
    """The form's content, a JSON object; in a multipart request (to send files beside it)
    either one part `data` holding that JSON object, or one part per field, `data.<name>`."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and isinstance(dictionary.get(self.field_name), str):
            try:
                return json.loads(dictionary[self.field_name])
            except ValueError:
                return dictionary[self.field_name]  # refused as "not a dictionary"
        return super().get_value(dictionary)


class StartSerializer(serializers.Serializer):
    definition = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text=_("流程（/api/flows/definitions/ 中的 id）")
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    data = FormDataField(
        required=False,
        help_text=_(
            "表单内容：字段名 → 值。附件字段的文件用 multipart/form-data 上传，"
            "文件部分以字段名命名（可多个），data 则作为一个 JSON 部分，或写成 data.字段名。"
        ),
    )
    on_behalf_of = serializers.CharField(
        required=False,
        max_length=30,
        help_text=_("代为发起：申请人的工号（仅对接服务账号，须持有本单位系统管理员角色）"),
    )


class ActSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("意见或理由")
    )
    return_to = serializers.CharField(
        required=False, allow_blank=True, max_length=120, help_text=_("退回到的环节标识")
    )
    transfer_to = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=_("转办给的人员 id")
    )
    data = FormDataField(required=False, help_text=_("修改的表单内容"))
    attachment = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=_(
            "随本次办理上传的附件（multipart/form-data，可多个；类型和大小限制与页面相同，"
            "本环节要求的附件按文件名核对）"
        ),
    )
    expected_version = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, help_text=_("读取时办件的版本锁")
    )
    on_behalf_of = serializers.CharField(
        required=False,
        max_length=30,
        help_text=_("代为办理：办理人的工号（仅对接服务账号，须持有本单位系统管理员角色）"),
    )
