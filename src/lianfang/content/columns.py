"""The portal's column kinds whose items are articles, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _

from lianfang.portal import columns

from . import public_views

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
