from django import template

from lianfang.core import punctuation

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (None removes one)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def next_sort(table, key):
    """The sort value a header link should set: flip direction when already sorted by `key`."""
    if table.sort_key == key and not table.descending:
        return "-" + key
    return key


@register.filter
def page_window(paginator, number, size=2):
    """Page numbers around the current one, with None marking a gap. A count stopped at its
    cap (`core.tables.CappedPaginator`) does not know the last page: the window ends with a
    gap instead."""
    last = paginator.num_pages
    capped = getattr(paginator, "capped", False)
    pages = {1, *range(max(1, number - size), min(last, number + size) + 1)}
    if not capped:
        pages.add(last)
    result, prev = [], 0
    for n in sorted(pages):
        if n - prev > 1:
            result.append(None)
        result.append(n)
        prev = n
    if capped:
        result.append(None)
    return result


@register.simple_tag
def punct(character: str) -> str:
    """`{% punct "：" %}`: the mark in the active language (core.punctuation)."""
    return punctuation.mark(character)


@register.filter
def listed(items) -> str:
    """`{{ names|listed }}`: 甲、乙 / "A, B" (core.punctuation)."""
    return punctuation.listed(items)
