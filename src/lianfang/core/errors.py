"""The one model of a bulk write's refusal: every problem of every row, nothing written.

Every aggregate's bulk writer (risk points, measures, powers, people, posts) checks all its
rows by the rules of the single services before it writes anything. What it refuses it names
as `RowIssue`s, one per problem: the caller's key for the row (a sheet's row number, a pack's
index …), the field to blame (None: the row as a whole) and the rule's message in Chinese. It
raises them together as `RowsInvalid`; its `*_check` twin returns them without writing.

An Excel import turns each issue into the sheet's row, column and reason
(`core.spreadsheets.SheetErrors.add_issues`); the library import into its report's lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


@dataclass(frozen=True)
class RowIssue:
    """One refused value of a bulk write: the caller's key for the row, the field, the reason."""

    row: object
    field: str | None
    message: str


class RowsInvalid(ValidationError):
    """A bulk write refused because some rows break the rules; nothing was written.
    `issues` lists every problem of every row, in the order found."""

    def __init__(self, issues: list[RowIssue]):
        self.issues = list(issues)
        super().__init__([issue.message for issue in self.issues])


def row_issues(row, exc: ValidationError) -> list[RowIssue]:
    """The messages of a service's `ValidationError` as issues of `row`, by field (a message
    that names no field, or names NON_FIELD_ERRORS, blames the row as a whole: None)."""
    if not hasattr(exc, "error_dict"):
        return [RowIssue(row, None, message) for message in exc.messages]
    return [
        RowIssue(row, None if field == NON_FIELD_ERRORS else field, message)
        for field, items in exc.error_dict.items()
        for item in items
        for message in item.messages
    ]


def too_long(obj, fields) -> list[tuple[str, str, int]]:
    """The text fields of model instance `obj` (among `fields`) longer than their column
    allows, each as (field, label, limit): a rule every writer applies, each in its own
    error codes."""
    found = []
    for name in fields:
        field = obj._meta.get_field(name)
        if len(getattr(obj, name) or "") > field.max_length:
            found.append((name, str(field.verbose_name), field.max_length))
    return found
