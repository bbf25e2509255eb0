"""The audit page's words for the organisation's actions, and the person behind an account."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.audit_labels import register_actions, register_actor_directory

from .models import Person

register_actions(
    {
        "organisation.create": _("新建单位"),
        "organisation.update": _("修改单位"),
        "organisation.move": _("调整单位上级"),
        "department.create": _("新建科室"),
        "department.update": _("修改科室"),
        "department_function.create": _("新建科室职能"),
        "department_function.update": _("修改科室职能"),
        "department_function.delete": _("删除科室职能"),
        "post.create": _("新建岗位"),
        "post.update": _("修改岗位"),
        "person.create": _("新建人员"),
        "person.update": _("修改人员"),
        "post_assignment.create": _("任职岗位"),
        "post_assignment.update": _("修改岗位经历"),
        "post_assignment.close": _("结束岗位任职"),
        "leader_division.create": _("新增领导分管"),
        "leader_division.update": _("修改领导分管"),
        "leader_division.delete": _("删除领导分管"),
        "roster.import": _("导入人员名册"),
        "org.roster.export": _("导出人员名册"),
        "power.create": _("新建权力事项"),
        "power.update": _("修改权力事项"),
        "power_step.create": _("新建流程环节"),
        "power_step.update": _("修改流程环节"),
        "power_step.delete": _("删除流程环节"),
        "power_catalogue.import": _("导入职权目录"),
    }
)


def _person_names(ids: list[int]) -> dict[int, str]:
    return dict(Person.objects.filter(user_id__in=ids).values_list("user_id", "name"))


def _matching(term: str):
    return Person.objects.filter(user__isnull=False, name__icontains=term).values("user_id")


register_actor_directory(names=_person_names, search=_matching, rank=1)
