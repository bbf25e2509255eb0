"""Exports are audit events: a file of the platform's data (registers, rosters, positioning
tables: names, staff numbers, posts) leaving it is recorded with who took it, what, how many
rows and with which filters, never the rows themselves.

Every export calls `record_export`: the inline ones when they answer, background ones when
their job is queued (`core.jobs.enqueue`) and again when the file is downloaded.
"""

from __future__ import annotations

from django.db import transaction

from . import audit
from .scoping import acting_organisation


def record_export(
    *, actor, action: str, what: str, rows: int, query: str = "", organisation=None, **details
):
    """Record that `actor` exported `what` (a title: 风险点登记表, 人员名册 …) of `rows`
    rows, with the page's `query` string. The event belongs to `organisation` (of the rows
    exported, when the caller knows it), else to the organisation the actor acts for."""
    if organisation is None:
        organisation = acting_organisation(actor)
    after = {"rows": rows, **details}
    if query:
        after["query"] = query
    with transaction.atomic():
        return audit.record(
            actor=actor,
            action=action,
            object_type="export",
            object_repr=what,
            organisation=organisation,
            after=after,
        )
