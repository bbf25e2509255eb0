"""Reading many rows in short reads: exports and background jobs.

`QuerySet.iterator()` keeps one statement open until the last row is read. On SQLite that
open statement is a read transaction: every write made on the same connection before the
walk ends (a job's progress, its heartbeat) has to turn that read into a write, and SQLite
refuses at once ("database is locked", SQLITE_BUSY_SNAPSHOT: no busy timeout helps) as soon
as anyone else has committed since the walk began. A whole-register export lasts minutes, so
on a site in use it nearly always failed.

`chunks(queryset, size=...)` reads instead:

1. the primary keys, in the queryset's order, in one read that is over before the first
   row is handed out (a few MB for the largest register: ids only);
2. then each chunk of rows by its keys, with the queryset's filters, `select_related` and
   `prefetch_related`, in reads of its own.

Between two chunks no statement is open, so the caller may write (its progress) on the same
connection, and nothing holds a snapshot for the length of the export. A keyset on the
export's own order was not used: the register sorts on nullable columns of four joined
tables, so each chunk's "after this row" would sort the whole register again, and a row
whose sort key changed between two chunks would be skipped or written twice. With the keys
read first, every row is written once, in the order of the moment the export started, with
its values when its chunk is read; a row deleted (or no longer visible to the user, whose
filters each chunk applies again) meanwhile is left out, one created meanwhile is not added.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet


def key_chunks(queryset: QuerySet, *, size: int, limit: int | None = None) -> Iterator[list]:
    """The primary keys of `queryset` (the first `limit`, if given), in its order, read at once,
    then handed out in lists of at most `size`: step 1 of `chunks`, for a caller that reads
    each chunk's rows its own way (e.g. as tuples with `values_list`, filtered by
    `pk__in=keys`, which keeps the queryset's filters)."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    keys = queryset.prefetch_related(None).values_list("pk", flat=True)
    if limit is not None:
        keys = keys[:limit]
    # dict.fromkeys: a DISTINCT over ordering columns may repeat a key; keep its first place
    keys = list(dict.fromkeys(keys))
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def chunks(queryset: QuerySet, *, size: int, limit: int | None = None) -> Iterator[list]:
    """The rows of `queryset` (the first `limit`, if given), in its order, as lists of at
    most `size` rows, each list read by a short query of its own (see the module)."""
    unordered = queryset.order_by()
    for wanted in key_chunks(queryset, size=size, limit=limit):
        found = {row.pk: row for row in unordered.filter(pk__in=wanted)}
        rows = [found[key] for key in wanted if key in found]
        if rows:
            yield rows
