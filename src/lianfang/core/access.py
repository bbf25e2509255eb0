"""Who may use a view. Every URL declares it, and a test walks the URL patterns to prove it.

Use `@public` for pages anyone may open (login, the disclosure portal) and
`@role_required(Role.X, ...)` for everything else. Object scope is then decided by the
selectors' `visible_to(user)`, never here.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ACCESS_ATTR = "lianfang_access"


def public(view):
    setattr(view, ACCESS_ATTR, ("public",))
    return view


def role_required(*roles):
    """Require a signed-in user holding at least one of `roles` (on any node)."""
    if not roles:
        raise ValueError("role_required needs at least one role")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_any_role(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, tuple(roles))
        return wrapped

    return decorator
