"""The 待办 menu entry's count: the user's ready tasks (one indexed COUNT)."""

from django.utils.translation import gettext as _

from lianfang.core import navigation

from . import selectors


@navigation.badge("flows.todo")
def todo_badge(user):
    n = selectors.my_ready_tasks(user).count()
    return navigation.Badge(str(n), _("待办 %(n)s 项") % {"n": n}) if n else None
