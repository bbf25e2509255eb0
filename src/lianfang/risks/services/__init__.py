"""Writes to the risk register, one module per aggregate: risk points, measures, grading
schemes and generic phrases.

Every service runs in one transaction, validates its input (raising a `ValidationError` whose
messages are Chinese sentences with a stable `code` from `RiskError`, keyed by field where one
is to blame), writes a `RiskPointEvent` on the timeline of every risk point it changes and
appends audit events with the values before and after. Who may call a service is decided by
the caller (views fetch the objects through scoped selectors).

Filing goes through the review chain (`filing.py`, on `lianfang.reviews`): a draft is
submitted, approved level by level or returned, and filed when the integrity office approves;
a filed point's change is requested and applied at approval. `risk_point_file` is the filing
itself (the vagueness check and the status change), which the chain's last approval makes;
pages and the API submit instead, and the integrity office files directly with a reason.

Grading happens on every write: a risk point's level is what the active scheme of its
organisation gives, unless it was set by hand with a reason (`level_manual`); such a level is
kept until the scores it rests on change. `review_due` follows from the level's review
interval, counted from the last review (or, before the first one, from the creation date).
"""

from .errors import RiskError, error
from .filing import (
    content_of,
    risk_point_approve,
    risk_point_file_directly,
    risk_point_request_change,
    risk_point_return,
    risk_point_skip_level,
    risk_point_submit,
    risk_points_approve,
)
from .measures import (
    MeasureRow,
    measure_create,
    measure_link,
    measure_record_progress,
    measure_unlink,
    measure_update,
    measures_write,
    risk_point_create_with_measure,
)
from .phrases import phrase_create, phrase_delete, phrase_set_active
from .risk_points import (
    PointReview,
    PointRow,
    risk_point_create,
    risk_point_file,
    risk_point_retire,
    risk_point_review,
    risk_point_update,
    risk_points_check,
    risk_points_review,
    risk_points_write,
)
from .schemes import (
    REGRADE_JOB,
    SCHEME_FIELDS,
    Regrade,
    scheme_activate,
    scheme_delete,
    scheme_regrade_job,
    scheme_save,
    scheme_switch_to_matrix,
)

__all__ = [
    "MeasureRow",
    "PointReview",
    "PointRow",
    "measures_write",
    "risk_points_check",
    "risk_points_review",
    "risk_points_write",
    "REGRADE_JOB",
    "SCHEME_FIELDS",
    "Regrade",
    "RiskError",
    "error",
    "measure_create",
    "measure_link",
    "measure_record_progress",
    "measure_unlink",
    "measure_update",
    "phrase_create",
    "phrase_delete",
    "phrase_set_active",
    "content_of",
    "risk_point_approve",
    "risk_point_create",
    "risk_point_create_with_measure",
    "risk_point_file",
    "risk_point_file_directly",
    "risk_point_request_change",
    "risk_point_return",
    "risk_point_skip_level",
    "risk_point_submit",
    "risk_points_approve",
    "risk_point_retire",
    "risk_point_review",
    "risk_point_update",
    "scheme_activate",
    "scheme_delete",
    "scheme_regrade_job",
    "scheme_save",
    "scheme_switch_to_matrix",
]
