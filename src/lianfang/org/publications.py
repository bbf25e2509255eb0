"""The public power catalogue (权力清单公开): the powers an organisation marks public, published
to its 权力清单 column through core.publications. Only the fields below are public."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import publications

from .models import Power

COLUMN = "power_catalogue"

publications.register(
    publications.Publishable(
        model=Power,
        title=lambda p: p.name,
        fields=(
            ("code", _("编码")),
            ("name", _("权力名称")),
            ("category", _("权力类别")),
            ("department", _("承办部门")),
            ("basis", _("行使依据")),
            ("duties", _("责任事项")),
            ("time_limit", _("办理期限(天)")),
        ),
        values=lambda p: {
            "code": p.code,
            "name": p.name,
            "category": p.get_category_display(),
            "department": p.handled_by,
            "basis": p.basis,
            "duties": p.duties,
            "time_limit": p.time_limit_days,
        },
    )
)


def power_catalogue_publish(*, actor, organisation):
    """Publish the organisation's active powers marked public (是否公开), in place of the
    catalogue published before. The integrity office's (core.publications.may_publish)."""
    powers = (
        Power.objects.filter(organisation=organisation, active=True, is_public=True)
        .select_related("department")
        .prefetch_related("posts__department")
        .order_by("code")
    )
    column = publications.column_of("org", COLUMN)
    return publications.publish_set(
        actor=actor, organisation=organisation, column=column, sources=list(powers)
    )


publications.register_publisher(
    publications.Publisher("org", COLUMN, _("发布权力清单"), power_catalogue_publish)
)
