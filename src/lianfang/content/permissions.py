"""Who may do what with an article.

- An **editor** writes a column's content: a user whose role is among the column's
  `editor_roles` (系统维护 › 门户栏目), on the column's organisation, by the platform's one rule
  of where a grant writes (`core.scoping.write_reach`: its own node; the units below only
  with 下级单位可写).
- A **reviewer** (审核) publishes, returns and withdraws: the integrity office (纪检监察) of the
  organisation, the same people who publish its power catalogue and risk points
  (`core.publications.may_publish`). Nobody reviews what they submitted themselves.
"""

from lianfang.core.publications import may_publish
from lianfang.core.scoping import write_reach

from .models import Article


def _grants(user):
    return getattr(user, "active_grants", None) or ()


def may_edit_column(user, column) -> bool:
    roles = set(column.editor_roles or ())
    return bool(roles) and write_reach(_grants(user), roles).covers(column.organisation.path)


def may_review(user, organisation) -> bool:
    return may_publish(user, organisation)


def may_edit(user, article) -> bool:
    """Write the text and files: a draft (new or returned) of a column the user edits."""
    return article.status == Article.Status.DRAFT and may_edit_column(user, article.column)


def may_submit(user, article) -> bool:
    return may_edit(user, article)


def may_decide(user, article) -> bool:
    """Publish or return a submitted article: a reviewer other than its submitter."""
    return (
        article.status == Article.Status.SUBMITTED
        and article.submitted_by_id != user.pk
        and may_review(user, article.organisation)
    )


def may_withdraw(user, article) -> bool:
    return article.status == Article.Status.PUBLISHED and may_review(user, article.organisation)
