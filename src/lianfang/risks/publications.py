"""The public risk points (廉政风险点公开): the filed risk points in use, published to the
廉政风险点 column through core.publications. Public: the power, step, post, the risk point's
name, its level and its measures. Never: how the risk shows (表现形式), the scores, who wrote
or holds it."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from lianfang.core import publications

from .models import Measure, RiskPoint
from .models import level_label as format_level

COLUMN = "risk_points"

publications.register(
    publications.Publishable(
        model=RiskPoint,
        title=lambda p: p.name,
        fields=(
            ("power", _("权力事项")),
            ("step", _("流程环节")),
            ("post", _("岗位")),
            ("name", _("风险点")),
            ("level", _("风险等级")),
            ("measures", _("防控措施")),
        ),
        values=lambda p: {
            "power": p.power.name if p.power_id else "",
            "step": p.step.name if p.step_id else "",
            "post": p.post.name if p.post_id else (p.department.name if p.department_id else ""),
            "name": p.name,
            "level": str(format_level(p.level)) if p.level else "",
            "measures": [f"{i}. {m.text}" for i, m in enumerate(p.measures.all(), start=1)],
        },
    )
)


def risk_points_publish(*, actor, organisation):
    """Publish the organisation's filed risk points in use, in place of those published
    before (the integrity office's)."""
    points = (
        RiskPoint.objects.in_use()
        .filter(organisation=organisation, status=RiskPoint.Status.FILED)
        .select_related("power", "step", "post", "department")
        .prefetch_related(Prefetch("measures", queryset=Measure.objects.order_by("id")))
        .order_by("power__code", "id")
    )
    column = publications.column_of("risks", COLUMN)
    return publications.publish_set(
        actor=actor, organisation=organisation, column=column, sources=list(points)
    )


publications.register_publisher(
    publications.Publisher("risks", COLUMN, _("发布廉政风险点"), risk_points_publish)
)
