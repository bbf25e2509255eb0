"""The one allow-list of the HTML the public reads (nh3).

Every body is cleaned when it is saved (`article_create`, `article_update`), so what the
database holds is already safe to show; the public pages print it as it is. Kept: headings,
paragraphs, lists, quotes, tables, emphasis, links to http, https and mailto addresses (and
our own pages), and images served by our own portal (an article's body images). Dropped:
scripts and styles with their content, every event handler, `style` and `class` attributes,
`javascript:` and `data:` URLs, frames, forms and anything else not listed.
"""

import re

import nh3

TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote",
    "ul", "ol", "li", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Dropped with their content, not just their tags.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
# An image of the body: one served by our portal for an article's images (public_views).
OWN_IMAGE = re.compile(r"^/gk/[A-Za-z0-9_-]+/articles/\d+/images/\d+/$")
LINK = re.compile(r"^(https?://|mailto:|/(?!/))", re.IGNORECASE)
NUMBER = re.compile(r"^\d{1,4}$")


def _attribute(tag, name, value):
    if tag == "a" and name == "href":
        return value if LINK.match(value.strip()) else None
    if tag == "img" and name == "src":
        return value if OWN_IMAGE.match(value.strip()) else None
    if name in ("width", "height", "colspan", "rowspan", "start"):
        return value if NUMBER.match(value.strip()) else None
    return value


def clean(html: str) -> str:
    """`html` reduced to the allow-list (an empty editor's `<p></p>` becomes "")."""
    cleaned = nh3.clean(
        html or "",
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_attribute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
    return "" if re.fullmatch(r"(<p>\s*(<br>)?\s*</p>\s*)*", cleaned) else cleaned


def text_of(html: str) -> str:
    """The words of `html` without any tag (for summaries and feeds)."""
    return re.sub(r"\s+", " ", nh3.clean(html or "", tags=set())).strip()
