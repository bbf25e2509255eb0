"""What modules above the register add to its filing (备案), without the register naming them.

A later module (campaigns: the yearly 风险排查) registers here when it is ready:

- a **gate** `gate(point, actor, at)` is asked before a draft is submitted for filing and may
  refuse it with a `ValidationError` (a campaign's phase dates, its bottom-up order);
- an **approval gate** `gate(point, submission, actor, at)` is asked before a level approves
  a submission of the point (and before the integrity office files it directly, `submission`
  then the open one or None) and may refuse with a `ValidationError` (a campaign's upward
  review: the office waits until the staff's comment window has closed);
- a **listener** `listener(event, point, actor, at)` is told, in the write's transaction, of
  each step of a filing (a draft's, or a filed point's change request): `submitted`,
  `returned`, `approved` (a level passed, not final), `skipped` (the integrity office passed
  a level over), `filed` (approved by the integrity office or filed directly);
- a **panel** on the point's page: `lianfang.core.extensions.contribute(POINT_DETAIL, fn)`,
  `fn(request, point=point) -> Panel | None` (the comments of an upward review);
- a **note** `note(point) -> str` adds to the reason of the FILED timeline event (the
  register's history): e.g. which campaign the filing came from.
"""

from collections.abc import Callable

SUBMITTED = "submitted"
RETURNED = "returned"
APPROVED = "approved"
SKIPPED = "skipped"
FILED = "filed"

# The slot of the point's page (risks/point_detail.html) for panels of the modules above.
POINT_DETAIL = "risks.point_detail"

_gates: list[Callable] = []
_approval_gates: list[Callable] = []
_listeners: list[Callable] = []
_notes: list[Callable] = []


def _add(registry: list, fn):
    if fn not in registry:
        registry.append(fn)
    return fn


def gate(fn):
    """Register `fn(point, actor, at)`, raising `ValidationError` to refuse a submission."""
    return _add(_gates, fn)


def approval_gate(fn):
    """Register `fn(point, submission, actor, at)`, raising `ValidationError` to refuse an
    approval (or a direct filing)."""
    return _add(_approval_gates, fn)


def listener(fn):
    """Register `fn(event, point, actor, at)`, told of every step of a filing."""
    return _add(_listeners, fn)


def note(fn):
    """Register `fn(point) -> str` (or ""), added to the reason of the filing's event."""
    return _add(_notes, fn)


def check_gates(point, actor, at) -> None:
    for fn in _gates:
        fn(point, actor, at)


def check_approval_gates(point, submission, actor, at) -> None:
    for fn in _approval_gates:
        fn(point, submission, actor, at)


def tell(event: str, point, actor, at) -> None:
    for fn in _listeners:
        fn(event, point, actor, at)


def notes_of(point) -> str:
    return "；".join(text for text in (fn(point) for fn in _notes) if text)
