"""`{% portal_frame %}`: what the public site's frame (portal/base.html) shows, for any page
that extends it. The portal's own views put the site and its columns on the request before
calling a kind; a page another app renders by itself (an article, a search) gets them here
from the `organisation` in its context (two queries), or shows the frame without columns."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_frame(context):
    request = context.get("request")
    if request is None or hasattr(request, "portal_site"):
        return ""
    from lianfang.portal import views

    organisation = context.get("organisation")
    request.portal_site = request.portal_columns = request.portal_column = None
    if organisation is not None and getattr(organisation, "code", None):
        from lianfang.portal import selectors

        site = selectors.site_by_code(organisation.code)
        if site is not None:
            views._prepare(request, site, context.get("column"))
            column = context.get("column")
            if column is not None and getattr(column, "pk", None):
                request.portal_column = next(
                    (c for c in request.portal_columns if c.pk == column.pk), None
                )
    return ""
