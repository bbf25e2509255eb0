from importlib import metadata

from django.conf import settings

from .navigation import enabled_module_codes, nav_for
from .roles import PLATFORM_ADMIN_LABEL, is_platform_admin

try:
    VERSION = metadata.version("lianfang")
except metadata.PackageNotFoundError:  # running from a checkout that was not installed
    VERSION = ""


def shell(request):
    """What every page's frame needs: navigation, roles and the demo's security banner."""
    user = getattr(request, "user", None)
    context = {"otp_disabled": not settings.REQUIRE_OTP, "lianfang_version": VERSION}
    if user is None or not user.is_authenticated:
        return context
    context.update(
        nav_groups=nav_for(user, enabled_module_codes(request), request.path),
        user_role_labels=sorted({g.get_role_display() for g in user.active_grants}),
    )
    if is_platform_admin(user):
        context["user_role_labels"] = [str(PLATFORM_ADMIN_LABEL), *context["user_role_labels"]]
    return context


def workday_calendar(request):
    """The years the working-day calendar does not know, for the administrators who can enter
    them (`core/includes/workday_banner.html`): the current year, and the next from 1 October
    on. No query while the installed chinesecalendar holds them; otherwise one, for the
    platform administrator and administrators only."""
    from .roles import Role
    from .workday_selectors import viewpoints_of
    from .workdays import unknown_years

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not (is_platform_admin(user) or user.has_any_role((Role.ADMIN,))):
        return {}
    return {"workday_unknown_years": unknown_years(viewpoints_of(user))}


def notifications(request):
    """The number of the user's unread messages, for the bell in the top bar: one COUNT per
    request (cached on the request, should a page ask again)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.roles:
        return {}  # an account without a role has no inbox page
    count = getattr(request, "_lianfang_unread", None)
    if count is None:
        from .models import Notification

        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        request._lianfang_unread = count
    return {"unread_notifications": count}
