"""The public site's pages are cacheable: the same for everyone, with no session.

`public_site_page` wraps a public view of one site (`/gk/<code>/…`): it finds the open site
(404 otherwise), lets the view render, then sets

- `Cache-Control: public, max-age=<portal.max_age>` (core.NoStoreMiddleware leaves a view's
  own header alone for anonymous visitors and still sends `private, no-store` to anyone
  signed in),
- a strong `ETag` (the SHA-256 of the body) and, where the view knows it truthfully,
  `Last-Modified` (`response.portal_last_modified`: when a publication of the page's columns
  or the site's settings last changed; pages read live from the organisation model send the
  ETag alone rather than a date that could be wrong),
- `Vary: Cookie` (the root URL is the staff home page for someone signed in),

and answers a conditional GET that matches with 304. Nothing here reads or writes the
session, sets a cookie or renders a CSRF token.

The rendered page is also kept in Django's cache (Redis when `REDIS_URL` is set, else each
worker's memory) for the same `max_age`, keyed by the site, the time its settings or columns
last changed, the language and the full path: the site is still looked up on every request
(a site closed or a module switched off answers 404 at once), but a page is rendered at most
once per `max_age` and worker. What the services say changed the public content (an
article, a record of core.publications written or withdrawn, a write of the public register:
`services.pages_changed`, core.publications' change listener) moves the site's `updated_at`
and so shows at once; anything else (an edit of the organisation's people, say) within
`max_age` seconds, as behind nginx's cache (docs/deployment.md). The setting
`LIANFANG_PORTAL_PAGE_CACHE = False` turns it off.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from lianfang.core.access import public

from . import selectors


def finish(request, response, *, max_age: int, last_modified=None):
    """Make a 200 page of the public site cacheable; answer 304 when the client has it."""
    if response.status_code != 200 or response.streaming:
        return response
    response["Cache-Control"] = f"public, max-age={max_age}"
    patch_vary_headers(response, ["Cookie"])
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    timestamp = None
    last_modified = getattr(response, "portal_last_modified", None) or last_modified
    if last_modified is not None:
        timestamp = int(last_modified.timestamp())
        response["Last-Modified"] = http_date(timestamp)
    return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)


def enabled() -> bool:
    return getattr(settings, "LIANFANG_PORTAL_PAGE_CACHE", True)


def _key(request, site) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    stamp = site.updated_at.timestamp() if site.updated_at else 0
    return f"portal:page:{site.pk}:{stamp}:{get_language()}:{path}"


def lookup_key(code: str | None) -> str:
    """The cache key of a site's state by its code (None: the root's single site)."""
    return "portal:root" if code is None else f"portal:site:{code}"


def forget(*codes: str) -> None:
    """A site's state changed (its services call this): look it up again next time."""
    cache.delete_many([lookup_key(None), *(lookup_key(code) for code in codes)])


class _Known:
    """What the cache remembers of a site between lookups: enough to find its pages."""

    def __init__(self, pk, updated_at):
        self.pk, self.updated_at = pk, updated_at


def site_state(code: str | None):
    """(site, max_age, known) for `code` (None: the root's), or (None, 0, None) when no
    site is open there. With the page cache on, the state is remembered for the site's
    max_age (60 s when closed), so a page kept in the cache is served without the database;
    `site` is then None and `known` names it (`load_site` gets the row when a page must be
    rendered). Closing the site forgets it at once (`forget`); switching the module off for
    the organisation takes effect within that time, as the pages behind nginx's cache do."""
    key = lookup_key(code)
    if enabled():
        state = cache.get(key)
        if state is not None:
            if not state["open"]:
                return None, 0, None
            return None, state["max_age"], _Known(state["pk"], state["updated_at"])
    site = selectors.site_by_code(code) if code is not None else selectors.root_site()
    if site is None:
        if enabled():
            cache.set(key, {"open": False}, 60)
        return None, 0, None
    max_age = selectors.max_age(site.organisation)
    if enabled() and max_age:
        cache.set(
            key,
            {"open": True, "pk": site.pk, "updated_at": site.updated_at, "max_age": max_age},
            max_age,
        )
    return site, max_age, site


def rendered(request, site, render, *, max_age: int):
    """`render()`'s response, from the page cache when it holds it; made cacheable. `site`
    is the site or what the cache knows of it (`site_state`); `render` gets the row."""
    key = None
    if max_age and enabled():
        key = _key(request, site)
        kept = cache.get(key)
        if kept is not None:
            response = HttpResponse(kept["body"], content_type=kept["type"])
            response.portal_last_modified = kept["modified"]
            return finish(request, response, max_age=max_age)
    response = render()
    if key and response.status_code == 200 and not response.streaming:
        cache.set(
            key,
            {
                "body": response.content,
                "type": response["Content-Type"],
                "modified": getattr(response, "portal_last_modified", None),
            },
            max_age,
        )
    return finish(request, response, max_age=max_age)


def public_site_page(view):
    """A public page of one organisation's site: `view(request, site, **kwargs)`."""

    @wraps(view)
    def wrapped(request, code, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        site, max_age, known = site_state(code)
        if known is None:
            raise Http404

        def render():
            row = site or selectors.site_by_code(code)
            if row is None:
                raise Http404
            return view(request, row, **kwargs)

        return rendered(request, known, render, max_age=max_age)

    return public(wrapped)
