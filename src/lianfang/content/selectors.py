"""Reads of the content module: what a user sees inside, and what the public sees."""

from django.db.models import Q, QuerySet

from lianfang.core import scoping
from lianfang.core.roles import Role
from lianfang.core.scoping import write_reach
from lianfang.portal.models import PortalColumn

from .models import Article

# The column kinds whose items are articles (registered in `columns`).
KINDS = {
    "news": Article.Kind.ARTICLE,
    "notices": Article.Kind.NOTICE,
    "regulations": Article.Kind.REGULATION,
    "page": Article.Kind.PAGE,
}
FEED_KINDS = ("news", "notices")


def _grants(user):
    return getattr(user, "active_grants", None) or ()


def editable_columns(user) -> list[PortalColumn]:
    """The content columns `user` writes (`permissions.may_edit_column`), in order."""
    grants = _grants(user)
    reaches = {role: write_reach(grants, {role}) for role in {g.role for g in grants}}
    columns = []
    if reaches:
        anywhere = write_reach(grants, set(reaches)).q("organisation__path")
        for column in (
            PortalColumn.objects.filter(anywhere, kind__in=KINDS)
            .select_related("organisation")
            .order_by("organisation__path", "order", "code")
        ):
            if any(
                role in (column.editor_roles or ()) and reach.covers(column.organisation.path)
                for role, reach in reaches.items()
            ):
                columns.append(column)
    return columns


def reviewed_reach(user):
    return write_reach(_grants(user), {Role.INTEGRITY})


@scoping.register(Article)
def articles_visible_to(user) -> QuerySet[Article]:
    """The articles of the columns `user` edits and of the organisations they review."""
    if not getattr(user, "is_authenticated", False):
        return Article.objects.none()
    q = reviewed_reach(user).q("organisation__path")
    columns = [c.pk for c in editable_columns(user)]
    if columns:
        q |= Q(column_id__in=columns)
    return Article.objects.filter(q)


def article_list(*, user, filters: dict | None = None) -> QuerySet[Article]:
    """The visible articles by column, status and a search of the title (`q`)."""
    filters = filters or {}
    qs = articles_visible_to(user)
    if filters.get("column"):
        qs = qs.filter(column_id=filters["column"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("q"):
        qs = qs.filter(title__icontains=filters["q"])
    return qs


def review_queue(*, user) -> QuerySet[Article]:
    """The submitted articles of the organisations `user` reviews, oldest first, but for their
    own submissions (nobody reviews their own)."""
    reach = reviewed_reach(user)
    if not reach:
        return Article.objects.none()
    return (
        Article.objects.filter(reach.q("organisation__path"), status=Article.Status.SUBMITTED)
        .exclude(submitted_by=user)
        .order_by("submitted_at", "pk")
    )


# The public side ------------------------------------------------------------------------------


def public_articles(*, organisation, today=None) -> QuerySet[Article]:
    """What the public site shows of `organisation`: published, not expired, in an enabled
    column."""
    return Article.objects.public(today).filter(organisation=organisation, column__enabled=True)


def column_articles(*, column, today=None) -> QuerySet[Article]:
    """A column's public list: pinned first, then the newest."""
    return (
        Article.objects.public(today)
        .filter(column=column)
        .order_by("-pinned", "-published_on", "-pk")
    )


def public_search(*, organisation, query: str, today=None) -> QuerySet[Article]:
    """Published content matching every word of `query` (split on spaces) in its title,
    summary or body: a substring match (LIKE), which needs no word segmentation for Chinese."""
    qs = public_articles(organisation=organisation, today=today)
    words = [w for w in query.split() if w][:5]
    if not words:
        return qs.none()
    for word in words:
        qs = qs.filter(search_text__icontains=word)
    return qs.select_related("column").order_by("-published_on", "-pk")


def feed_articles(*, organisation, column=None, limit=20, today=None) -> list[Article]:
    qs = public_articles(organisation=organisation, today=today).filter(column__kind__in=FEED_KINDS)
    if column is not None:
        qs = qs.filter(column=column)
    return list(
        qs.select_related("column", "organisation").order_by("-published_at", "-pk")[:limit]
    )


def expired_pinned(organisation) -> list[Article]:
    """Published items of `organisation` still pinned after their expiry date (the public no
    longer sees them, but the column's order keeps them on top for the editors): a check of
    the portal's completeness page."""
    from django.utils import timezone

    return list(
        Article.objects.filter(
            organisation=organisation,
            status=Article.Status.PUBLISHED,
            pinned=True,
            expires_on__lt=timezone.localdate(),
        )
        .select_related("column")
        .order_by("expires_on", "pk")
    )
