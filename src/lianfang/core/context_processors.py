from django.conf import settings

from .models import Module
from .navigation import nav_for


def shell(request):
    """What every page's frame needs: navigation, roles and the demo's security banner."""
    user = getattr(request, "user", None)
    context = {"otp_disabled": not settings.REQUIRE_OTP}
    if user is None or not user.is_authenticated:
        return context
    enabled = set(Module.objects.filter(enabled=True).values_list("code", flat=True))
    context.update(
        nav_groups=nav_for(user, enabled, request.path),
        user_role_labels=sorted({g.get_role_display() for g in user.active_grants}),
    )
    return context
