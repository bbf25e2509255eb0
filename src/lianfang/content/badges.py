"""The count beside 内容审核 in the menu: submissions waiting for the user's review."""

from django.utils.translation import gettext as _

from lianfang.core import navigation

from .selectors import review_queue


@navigation.badge("content.to_review")
def to_review(user):
    n = review_queue(user=user).count()
    return navigation.Badge(str(n), _("%(n)s 篇待审核") % {"n": n}) if n else None
