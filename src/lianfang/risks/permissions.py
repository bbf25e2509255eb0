"""Who may do what in the risk register: one rule per action, asked by the pages (which offer
only what it allows, and answer 403 to the rest) and by the API (403 likewise).

- The integrity office and administrators manage the organisations of their subtrees: there
  they take every action on risk points (register, edit, file, review, retire, set a level by
  hand) and on measures (write, edit, link, unlink).
- A department head acts on the draft risk points of the departments they head, a staff member
  on the drafts of the posts they hold now: they register such drafts (never a unit's, nor a
  level by hand), edit them, link and unlink measures and write measures for them. A measure
  is theirs to edit when every risk point it covers is. While a draft waits in the review
  chain they leave it as submitted.
- Filing goes through the review chain (`lianfang.reviews`; the actions FILE and the five
  below). A draft belongs to its owner (`is_owner`): its author while they still reach it,
  or, for a department's point and a point without author, the department's head (the
  integrity office for a unit's). Only the owner submits it (FILE) and, once filed, asks for
  a change (REQUEST_CHANGE); others on the same post see it and edit it, no more. The
  reviewers of the level a submission waits at approve or return it (never their own); the
  integrity office files directly (FILE_DIRECTLY) and skips a reviewer's level (SKIP).
- A department head also reviews (复核) the filed risk points of the departments they head,
  one at a time or in a batch.
- Progress on a measure (已落实, with the date and the evidence) is recorded by its managers,
  by the person who owns it, by the head of the department that owns it and by the head of
  a department whose risk points it covers.

`may` is who may act; whether the point's state allows the action (a retired point is not
edited, a filed one not filed again) is the services' rule, which refuses with its error code.
`point_actions` combines the two for the pages' buttons.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from lianfang.core.roles import is_platform_admin
from lianfang.core.scoping import scope_of
from lianfang.org import selectors as org_selectors
from lianfang.org.models import Department, Organisation, Post, PostAssignment
from lianfang.reviews import chain as review_chain
from lianfang.reviews.models import Level

from .models import Measure, RiskPoint

EDIT, FILE, REVIEW, RETIRE, LINK = "edit", "file", "review", "retire", "link"
# The review chain's actions (FILE submits a draft for review).
FILE_DIRECTLY, APPROVE, RETURN, SKIP = "file_directly", "approve", "return", "skip"
REQUEST_CHANGE = "request_change"
CHAIN_ACTIONS = frozenset({FILE, FILE_DIRECTLY, APPROVE, RETURN, SKIP, REQUEST_CHANGE})
DECISIONS = frozenset({APPROVE, RETURN, SKIP})
# What the department head and the staff member may do with a draft that is theirs.
OWNER_ACTIONS = frozenset({EDIT, LINK})
# What a point's state lets anyone do with it.
STATE_ACTIONS = {
    RiskPoint.Status.DRAFT: frozenset({EDIT, FILE, FILE_DIRECTLY, LINK, RETIRE, *DECISIONS}),
    RiskPoint.Status.FILED: frozenset({EDIT, REVIEW, LINK, RETIRE, REQUEST_CHANGE, *DECISIONS}),
    RiskPoint.Status.RETIRED: frozenset(),
}
# What a point waiting in the review chain no longer offers (its submission is decided first).
WAITING_REFUSES = frozenset({FILE, REQUEST_CHANGE})

REFUSED = _(
    "无权执行此操作：部门负责人和职工只能登记、修改本科室或本人岗位的草稿风险点并为其关联"
    "防控措施，提交本人编写的风险点备案或变更；审核由审核流程当前环节的审核人负责；部门负责人"
    "可复核本科室已备案的风险点；停用、人工定级及其他修改由本单位纪检监察部门和系统管理员负责。"
)


def manages(user, organisation) -> bool:
    """Whether the user is the integrity office or an administrator of `organisation`."""
    return org_selectors.can_manage(user, organisation)


def held_post_ids(user) -> frozenset[int]:
    """The posts the user holds now, once per request."""
    cached = getattr(user, "_lianfang_held_posts", None)
    if cached is not None:
        return cached
    scope = scope_of(user)
    held = frozenset()
    if scope.person_id:
        held = frozenset(
            PostAssignment.objects.current()
            .filter(person_id=scope.person_id)
            .values_list("post_id", flat=True)
        )
    if getattr(user, "is_authenticated", False):
        user._lianfang_held_posts = held
    return held


def _owns(user, department_id, post_id) -> bool:
    """A department the user heads, or a post they hold now."""
    if department_id is not None and department_id in scope_of(user).headed_department_ids:
        return True
    return post_id is not None and post_id in held_post_ids(user)


# Risk points ----------------------------------------------------------------------------------


def _heads(user, department_id) -> bool:
    return department_id is not None and department_id in scope_of(user).headed_department_ids


def may(user, action: str, point: RiskPoint) -> bool:
    """Whether the user may take `action` on `point` (one they can see)."""
    if action in CHAIN_ACTIONS:
        return may_in_chain(user, action, point)
    if action in OWNER_ACTIONS and _waits_for_others(user, point):
        return False
    if manages(user, point.organisation):
        return True
    if action == REVIEW:
        return point.status == RiskPoint.Status.FILED and _heads(user, point.department_id)
    return (
        action in OWNER_ACTIONS
        and point.status == RiskPoint.Status.DRAFT
        and _owns(user, point.department_id, point.post_id)
    )


def point_actions(user, point: RiskPoint) -> set[str]:
    """The actions the pages offer on `point`: those the user may take that its state allows."""
    allowed = STATE_ACTIONS[point.status]
    if review_chain.open_submission(point) is not None:
        allowed = allowed - WAITING_REFUSES
    return {action for action in allowed if may(user, action, point)}


# The review chain: filing and changes ---------------------------------------------------------


def is_owner(user, point: RiskPoint) -> bool:
    """Whose draft `point` is: its author's while they still reach it (hold its post, head its
    department, manage its organisation); a department's point, and a post's point without
    author, its department head's; a unit's point without author, the integrity office's and
    administrators'."""
    scope = scope_of(user)
    if point.subject == RiskPoint.Subject.DEPARTMENT or (
        point.author_id is None and point.subject == RiskPoint.Subject.POST
    ):
        return point.department_id in scope.headed_department_ids
    if point.author_id is None:
        return manages(user, point.organisation)
    return point.author_id == getattr(user, "pk", None) and (
        manages(user, point.organisation) or _owns(user, point.department_id, point.post_id)
    )


def may_in_chain(user, action: str, point: RiskPoint) -> bool:
    """One rule per action of the review chain:

    - FILE (submit a draft) and REQUEST_CHANGE (of a filed point): its owner;
    - FILE_DIRECTLY: the integrity office of its organisation (or of one above);
    - APPROVE, RETURN: a reviewer of the level its open submission waits at, who is neither
      the submitter nor the author;
    - SKIP: the integrity office, for a submission waiting at a reviewer's level.
    """
    if action in (FILE, REQUEST_CHANGE):
        return is_owner(user, point)
    if action == FILE_DIRECTLY:
        return review_chain.is_office_for(user, point.organisation)
    submission = review_chain.open_submission(point)
    if submission is None:
        return False
    if action in (APPROVE, RETURN):
        return review_chain.may_decide(user, submission)
    return (
        action == SKIP
        and submission.level != Level.INTEGRITY_OFFICE
        and review_chain.is_office_for(user, point.organisation)
    )


def may_propose(user, point: RiskPoint, data: dict) -> bool:
    """Whether a change of `point` by `data` (the fields sent, as objects) would leave it
    within what the user may register: an owner cannot move their point out of their reach
    (nor set its level by hand) by asking for a change."""
    current = {"subject": point.subject, "department": point.department, "post": point.post}
    return may_save_point(user, point.organisation, {**current, **data})


def _waits_for_others(user, point: RiskPoint) -> bool:
    """A draft submitted for filing is left as submitted by those who wrote it: the reviewers
    decide the version they were sent (the integrity office and administrators may still
    correct it, on the record)."""
    return (
        point.status == RiskPoint.Status.DRAFT
        and not manages(user, point.organisation)
        and review_chain.open_submission(point) is not None
    )


def may_set_level(user, organisation) -> bool:
    """Grading by hand is the integrity office's call (组织审); others grade by the scores."""
    return manages(user, organisation)


def point_subjects(user, organisation) -> list[str]:
    """What the user's risk points of `organisation` may be about: a unit only for managers."""
    if manages(user, organisation):
        return list(RiskPoint.Subject.values)
    return [RiskPoint.Subject.POST, RiskPoint.Subject.DEPARTMENT]


def may_save_point(user, organisation, data: dict, point: RiskPoint | None = None) -> bool:
    """Whether the user may register a risk point of `organisation` with `data` (`point` None)
    or change `point` by `data` (the fields sent, as objects): for others than its managers,
    the point must be theirs before and after, and its level left to the scheme."""
    if point is not None and not may(user, EDIT, point):
        return False
    if manages(user, organisation):
        return True
    if "level" in data:
        return False

    subject = data["subject"] if "subject" in data else getattr(point, "subject", None)
    if subject not in point_subjects(user, organisation):
        return False
    if "department" in data:
        department_id = getattr(data["department"], "pk", None)
    else:
        department_id = getattr(point, "department_id", None)
    if "post" in data:
        post = data["post"]
    else:
        post = point.post if point is not None and point.post_id else None
    if subject == RiskPoint.Subject.DEPARTMENT:
        return department_id is not None and department_id in scope_of(user).headed_department_ids
    if department_id is None and post is not None:
        department_id = post.department_id  # the services take a post's point's department
    return _owns(user, department_id, getattr(post, "pk", None))


def may_register_somewhere(user) -> bool:
    """Whether the register offers the user its 新增 button (they may still find no organisation
    where they may register)."""
    scope = scope_of(user)
    return bool(scope.write or scope.headed_department_ids or scope.person_id)


def may_edit_global_phrases(user) -> bool:
    """Global generic phrases apply to every organisation's filings: they belong to the
    platform administrator alone (an organisation's officers keep its own phrases, which
    apply to it and the organisations below it)."""
    return is_platform_admin(user)


def may_import(user) -> bool:
    """The 登记表 import is for the integrity office and administrators."""
    return org_selectors.can_manage_any(user)


def _held_posts_q(user) -> Q:
    scope = scope_of(user)
    if not scope.person_id:
        return Q(pk__in=[])
    return Q(
        pk__in=PostAssignment.objects.current().filter(person_id=scope.person_id).values("post_id")
    )


def creatable_organisations(user) -> QuerySet[Organisation]:
    """Where the user may register risk points: the subtrees they manage, the organisations of
    the departments they head and of the posts they hold now."""
    scope = scope_of(user)
    return Organisation.objects.filter(
        Q(pk__in=org_selectors.organisations_manageable_by(user).values("pk"))
        | Q(
            pk__in=org_selectors.departments_visible_to(user)
            .filter(pk__in=scope.headed_department_ids)
            .values("organisation_id")
        )
        | Q(pk__in=Post.objects.filter(_held_posts_q(user)).values("organisation_id"))
    )


def point_departments(user, organisation=None) -> QuerySet[Department]:
    """The departments the user may give a risk point (of `organisation`, or of any): all of
    an organisation they manage, else those they head."""
    scope = scope_of(user)
    headed = Q(pk__in=scope.headed_department_ids)
    if organisation is None:
        return Department.objects.filter(scope.write.q("organisation__path") | headed)
    departments = Department.objects.filter(organisation=organisation)
    return departments if manages(user, organisation) else departments.filter(headed)


def point_posts(user, organisation=None) -> QuerySet[Post]:
    """The posts the user may give a risk point (of `organisation`, or of any): all of an
    organisation they manage, else those of the departments they head and those they hold."""
    scope = scope_of(user)
    own = Q(department_id__in=scope.headed_department_ids) | _held_posts_q(user)
    if organisation is None:
        return Post.objects.filter(scope.write.q("organisation__path") | own)
    posts = Post.objects.filter(organisation=organisation)
    return posts if manages(user, organisation) else posts.filter(own)


# Measures -------------------------------------------------------------------------------------


def may_create_measure(user, organisation, points) -> bool:
    """Whether the user may write a measure of `organisation` covering `points`: its managers
    may; others for risk points they may link measures to (at least one)."""
    if manages(user, organisation):
        return True
    points = list(points)
    return bool(points) and all(may(user, LINK, point) for point in points)


def may_record_progress(user, measure: Measure) -> bool:
    """Whether the user may record progress on `measure` (已落实, its date and evidence)."""
    if manages(user, measure.organisation):
        return True
    scope = scope_of(user)
    if scope.person_id and measure.owner_person_id == scope.person_id:
        return True
    if _heads(user, measure.owner_department_id):
        return True
    headed = scope.headed_department_ids
    return bool(headed) and measure.risk_points.filter(department_id__in=headed).exists()


def may_edit_measure(user, measure: Measure) -> bool:
    """Its organisation's managers, or whoever may edit every risk point it covers."""
    if manages(user, measure.organisation):
        return True
    points = list(measure.risk_points.select_related("organisation"))
    return bool(points) and all(may(user, EDIT, point) for point in points)
