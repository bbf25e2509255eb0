"""Sorting and pagination for list pages, driven by the query string (?sort=-name&page=2)."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200


@dataclass
class Table:
    page_obj: Page
    sort_key: str
    descending: bool

    @property
    def rows(self):
        return self.page_obj.object_list


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` rows (or up to the end of the requested page,
    if further): a LIMITed subquery count, `SELECT COUNT(*) FROM (SELECT … LIMIT n)`, whose
    cost stops growing with the rows. Past the cap it knows only "more": `capped` is true,
    `count` is the rows counted plus one (so that the last page counted has a next page, and
    the pages beyond stay reachable one by one), and `count_label` says "10,000+" for the
    pagination's "共 10,000+ 条"."""

    # a page number beyond this counts as this one: a LIMIT past SQLite's 64-bit integers
    # is refused ("datatype mismatch"), and no list here has a million pages
    MAX_NUMBER = 1_000_000

    def __init__(self, object_list, per_page, *, cap: int, number: int = 1):
        super().__init__(object_list, per_page)
        number = min(max(number, 1), self.MAX_NUMBER)
        self.limit = max(cap, number * self.per_page) + 1

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: self.limit].count()
        self.capped = counted >= self.limit
        return counted

    capped = False

    @property
    def count_label(self) -> str:
        return f"{self.count - 1:,}+" if self.capped else f"{self.count}"


def search_term(value, limit: int = 50) -> str:
    """A search box's text as a filter may use it: no control characters (PostgreSQL refuses
    NUL in a text parameter), spaces collapsed, at most `limit` characters."""
    text = "".join(c for c in (value or "") if c.isprintable() or c.isspace())
    return " ".join(text.split())[:limit]


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def paginate(
    request,
    queryset,
    *,
    sorts: dict[str, str | tuple[str, ...]],
    default: str,
    count: int | None = None,
    count_cap: int | None = None,
    load=None,
    per_page: int = DEFAULT_PER_PAGE,
):
    """Sort `queryset` by the `sort` parameter (a key of `sorts`, '-' for descending) and page it.

    `sorts` maps public keys to ORM orderings, so users can only sort by what a page offers.
    A caller that already knows the number of rows passes `count`, saving a COUNT query.
    With `count_cap`, the rows are counted up to that many only (`CappedPaginator`: a
    person's lists of hundreds of thousands of tasks show "共 10,000+ 条", and the pages
    beyond stay reachable by ‹ ›).

    With `load`, the page is found in two steps (a "deferred join"): `queryset` picks the
    page's primary keys alone, which the database can often answer from an index without
    touching the table, and `load(pks)` fetches those rows with their relations. Large
    registers need it: joining first makes the database sort every row to find twenty.
    """
    raw = request.GET.get("sort", default)
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in sorts:
        key = default.lstrip("-")
        descending = default.startswith("-")
    fields = sorts[key]
    fields = (fields,) if isinstance(fields, str) else fields
    ordering = [("-" + f if descending else f) for f in fields] + (
        ["-pk"] if descending else ["pk"]
    )
    per_page = min(max(_int(request.GET.get("per_page"), per_page), 1), MAX_PER_PAGE)
    queryset = queryset.order_by(*ordering)
    if load is not None:
        queryset = queryset.values_list("pk", flat=True)
    if count_cap is not None and count is None:
        number = max(_int(request.GET.get("page"), 1), 1)
        paginator = CappedPaginator(queryset, per_page, cap=count_cap, number=number)
    else:
        paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # Paginator.count is a cached property
    page = paginator.get_page(request.GET.get("page"))
    if load is not None:
        pks = list(page.object_list)
        by_pk = {obj.pk: obj for obj in load(pks)}
        page.object_list = [by_pk[pk] for pk in pks if pk in by_pk]
    return Table(page_obj=page, sort_key=key, descending=descending)
