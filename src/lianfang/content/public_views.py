"""The public side of the content module: no login, only what is published.

The portal renders a content column through the kinds `columns` registers (`column_view`,
`item_view`, `latest`), at its one address `/gk/<code>/c/<column>/`; the pages that do not
belong to one column (an article by its id, its files, the search, the feeds) are here under
`/gk/<organisation code>/` (`public_urls`). All of them answer 404 unless the organisation's
site is open (PortalSite on, portal module on), as the portal's own pages do.
Every answer to the public is cacheable: `Cache-Control: public`, an ETag and Last-Modified
from the organisation's published content, 304 to a conditional request that still matches.
None touches the session, so the public gets no cookie.
"""

import datetime as dt
import hashlib
from urllib.parse import quote

from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _

from lianfang.core.access import public
from lianfang.core.attachments import IMAGES, attachment_content, attachments_of
from lianfang.org.models import Organisation
from lianfang.portal.columns import PortalItem
from lianfang.portal.kinds import column_url, item_url
from lianfang.portal.models import PortalColumn
from lianfang.portal.selectors import site_by_code

from . import selectors
from .models import Article

PER_PAGE = 20
MAX_AGE = 300  # seconds a shared cache may keep a page without asking again


def _param(request, name: str, limit: int) -> str:
    """A query parameter as text the database takes (PostgreSQL refuses NUL characters)."""
    value = str(request.GET.get(name, ""))[:limit]
    return "".join(ch for ch in value if ch.isprintable() or ch == " ")


def organisation_of(org_code: str) -> Organisation:
    """The organisation whose public site is open under `org_code`; 404 otherwise (a site
    closed, the portal module off, or no such organisation)."""
    site = site_by_code(org_code)
    if site is None:
        raise Http404
    return site.organisation


def _stamp(organisation) -> tuple[str, dt.datetime]:
    """(ETag, Last-Modified) of what the public sees of `organisation`: its published and
    withdrawn articles' last change, their number, and today (a notice expires at midnight)."""
    row = Article.objects.filter(
        organisation=organisation,
        status__in=(Article.Status.PUBLISHED, Article.Status.WITHDRAWN),
    ).aggregate(last=Max("updated_at"), n=Count("id"))
    last = row["last"] or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    last = max(last, midnight).replace(microsecond=0)
    key = f"{organisation.pk}:{row['n']}:{row['last']}:{today}"
    return quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32]), last


def cacheable(request, organisation, make):
    """`make()`'s response, or 304 when the client's copy is current; marked cacheable."""
    etag, last = _stamp(organisation)
    response = get_conditional_response(request, etag=etag, last_modified=last.timestamp())
    if response is None:
        response = make()
    if response.status_code in (200, 304):
        response.portal_last_modified = last  # the portal's frame keeps it (portal.caching)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last.timestamp())
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def article_url(article: Article) -> str:
    """An article's one public address: the item of its column, `/gk/<code>/c/<column>/<pk>/`
    (`/gk/<code>/articles/<pk>/` answers 301 to it; its files and images stay under it).
    Every link the site emits is this one; the querysets select the column."""
    return item_url(article.organisation, article.column, article.pk)


def _gone_or_missing(article) -> bool | None:
    """True: the article was public and no longer is (410); False: it is public; None: it
    never was here (404)."""
    if article.status == Article.Status.WITHDRAWN or (
        article.status == Article.Status.PUBLISHED
        and article.expires_on is not None
        and article.expires_on < timezone.localdate()
    ):
        return True
    if article.status != Article.Status.PUBLISHED or not article.column.enabled:
        return None
    return False


# The kinds' views (called by the portal) --------------------------------------------------------


def _column_page(request, organisation, column):
    if column.kind == "page":  # a plain page: its newest published article, in full
        article = selectors.column_articles(column=column).select_related("cover").first()
        if article is not None:
            return _article_page(request, organisation, article)
    page = Paginator(
        selectors.column_articles(column=column).select_related("cover", "organisation", "column"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    for article in page.object_list:
        article.url = article_url(article)
    return render(
        request,
        "content/public/column.html",
        {"organisation": organisation, "column": column, "page_obj": page},
    )


def column_view(request, *, organisation, column):
    """A column's page: its published items, pinned first, expired notices gone, 20 a page."""
    return cacheable(request, organisation, lambda: _column_page(request, organisation, column))


def _gone(request, organisation, article):
    return render(
        request,
        "content/public/gone.html",
        {"organisation": organisation, "article": article},
        status=410,
    )


def _article_page(request, organisation, article):
    gone = _gone_or_missing(article)
    if gone:
        return _gone(request, organisation, article)
    if gone is None:
        raise Http404
    files = list(attachments_of(article, "article_file").order_by("pk"))
    for file in files:
        file.url = reverse(
            "content_public:file",
            kwargs={"org_code": organisation.code, "pk": article.pk, "file_pk": file.pk},
        )
    return render(
        request,
        "content/public/article.html",
        {
            "organisation": organisation,
            "column": article.column,
            "column_url": column_url(organisation, article.column),
            "article": article,
            "canonical_url": request.build_absolute_uri(article_url(article)),
            "files": files,
            "cover_url": _image_url(article, article.cover_id) if article.cover_id else "",
        },
    )


def _image_url(article, file_pk):
    return reverse(
        "content_public:image",
        kwargs={"org_code": article.organisation.code, "pk": article.pk, "file_pk": file_pk},
    )


def item_view(request, *, organisation, column, item_id):
    """One item of a column: 404 unless published there, 410 once withdrawn or expired."""
    article = get_object_or_404(
        Article.objects.select_related("column", "organisation"),
        pk=item_id,
        column=column,
        organisation=organisation,
    )
    return cacheable(request, organisation, lambda: _article_page(request, organisation, article))


def latest(*, organisation, column, limit):
    """The newest published items of `column` for the portal's home page."""
    articles = selectors.column_articles(column=column).select_related("organisation", "column")
    articles = articles[:limit]
    return [
        PortalItem(title=a.title, url=article_url(a), date=a.published_on, summary=a.summary)
        for a in articles
    ]


# Pages of their own under /gk/<organisation code>/ ----------------------------------------------


@public
def article_page(request, org_code, pk):
    """The article's second address, kept for links already out there: 301 to its one
    address (`article_url`) while it is published on an open site; 410 once withdrawn or
    expired, 404 otherwise, as its column's item answers."""
    organisation = organisation_of(org_code)
    article = get_object_or_404(
        Article.objects.select_related("column", "organisation"),
        pk=pk,
        organisation=organisation,
    )
    gone = _gone_or_missing(article)
    if gone is None:
        raise Http404
    if gone:
        return cacheable(request, organisation, lambda: _gone(request, organisation, article))
    response = HttpResponsePermanentRedirect(article_url(article))
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def _published_file(org_code, pk, file_pk):
    organisation = organisation_of(org_code)
    article = get_object_or_404(selectors.public_articles(organisation=organisation), pk=pk)
    attachment = get_object_or_404(attachments_of(article), pk=file_pk)
    try:
        return organisation, attachment, attachment_content(attachment)
    except FileNotFoundError as exc:
        raise Http404 from exc


@public
def file_download(request, org_code, pk, file_pk):
    """A published article's file, always as a download (`attachment`), typed as core detected
    it from its bytes, `nosniff`."""
    organisation, attachment, content = _published_file(org_code, pk, file_pk)

    def make():
        response = HttpResponse(content, content_type=attachment.mime_type)
        response["Content-Disposition"] = _disposition(attachment.name)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    return cacheable(request, organisation, make)


def _disposition(name: str) -> str:
    ascii_name = "".join(ch if ch.isascii() and ch.isalnum() or ch in "._-" else "_" for ch in name)
    return f"attachment; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quote(name)}"


@public
def image(request, org_code, pk, file_pk):
    """A published article's image (its cover or an image of its body), inline: only a JPEG
    or PNG that core re-encoded; `nosniff` keeps it an image."""
    organisation, attachment, content = _published_file(org_code, pk, file_pk)
    if attachment.mime_type not in IMAGES:
        raise Http404

    def make():
        response = HttpResponse(content, content_type=attachment.mime_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = "inline"
        return response

    return cacheable(request, organisation, make)


@public
def search(request, org_code):
    """Search of the organisation's published content (every word, anywhere in the title,
    summary or body)."""
    organisation = organisation_of(org_code)
    query = " ".join(_param(request, "q", 100).split())

    def make():
        page = Paginator(
            selectors.public_search(organisation=organisation, query=query).select_related(
                "organisation"
            ),
            PER_PAGE,
        ).get_page(request.GET.get("page"))
        for article in page.object_list:
            article.url = article_url(article)
        return render(
            request,
            "content/public/search.html",
            {"organisation": organisation, "query": query, "page_obj": page},
        )

    return cacheable(request, organisation, make)


@public
def feed_json(request, org_code):
    """The newest news and notices as JSON (for a WeChat account or a government site to
    mirror): `?column=<code>` for one column."""
    organisation = organisation_of(org_code)
    column = feed_column(request, organisation)

    def make():
        items = selectors.feed_articles(organisation=organisation, column=column, limit=50)
        return JsonResponse(
            {
                "organisation": {"code": organisation.code, "name": organisation.name},
                "items": [
                    {
                        "id": a.pk,
                        "title": a.title,
                        "column": a.column.code,
                        "column_name": a.column.name,
                        "kind": a.kind,
                        "summary": a.summary,
                        "published_on": a.published_on.isoformat() if a.published_on else None,
                        "expires_on": a.expires_on.isoformat() if a.expires_on else None,
                        "pinned": a.pinned,
                        "author_department": a.author_department,
                        "url": request.build_absolute_uri(article_url(a)),
                        "updated_at": a.updated_at.isoformat(),
                    }
                    for a in items
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )

    return cacheable(request, organisation, make)


def feed_column(request, organisation):
    code = _param(request, "column", 40)
    if not code:
        return None
    return get_object_or_404(
        PortalColumn,
        organisation=organisation,
        code=code,
        enabled=True,
        kind__in=selectors.FEED_KINDS,
    )


def feed_title(organisation, column) -> str:
    if column is not None:
        return _("%(org)s · %(column)s") % {"org": organisation.name, "column": column.name}
    return _("%(org)s · 新闻与通知公告") % {"org": organisation.name}
