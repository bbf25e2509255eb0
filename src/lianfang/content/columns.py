"""The portal's column kinds whose items are articles, and the completeness check of notices
past expiry still pinned, registered with the portal when the app is ready."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lianfang.portal import columns

from . import public_views, selectors

for code, label in (
    ("news", _("新闻列表")),
    ("notices", _("通知公告")),
    ("regulations", _("规章制度")),
    ("page", _("单页")),
):
    columns.register(
        columns.ColumnKind(
            code=code,
            label=label,
            view=public_views.column_view,
            item_view=public_views.item_view,
            latest=public_views.latest,
        )
    )


def expired_pinned(organisation) -> list[columns.GapItem]:
    """公开完整性: notices past their expiry date still pinned (to be unpinned or withdrawn)."""
    return [
        columns.GapItem(
            title=f"{article.column.name} · {article.title}",
            department=article.author_department,
            url=reverse("content:article_detail", args=[article.pk]),
            note=gettext("%(date)s 已到期") % {"date": article.expires_on.isoformat()},
        )
        for article in selectors.expired_pinned(organisation)
    ]


columns.register_gap(
    columns.Gap(
        code="content_expired_pinned",
        label=_("已过期仍置顶的通知公告"),
        find=expired_pinned,
        column="notices",
        order=30,
    )
)
