from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class OTPRequiredMiddleware:
    """Signed-in users who must pass TOTP are stopped until they do.

    That is every privileged user (administrators, integrity office) and anyone who has bound
    an authenticator. Without a bound device a privileged user is sent to set one up; with
    one, to enter a code. Off when settings.REQUIRE_OTP is false (development and the demo,
    whose pages then say so).
    """

    EXEMPT_PREFIXES = ("/static/", "/i18n/")
    EXEMPT_URL_NAMES = (
        "accounts:login",
        "accounts:logout",
        "accounts:otp_setup",
        "accounts:otp_verify",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self._target(request)
        if target is not None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)

    def _target(self, request):
        user = getattr(request, "user", None)
        if not settings.REQUIRE_OTP or user is None or not user.is_authenticated:
            return None
        if user.is_verified() or self._exempt(request.path):
            return None
        has_device = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        if has_device:
            return "accounts:otp_verify"
        if user.is_privileged:
            return "accounts:otp_setup"
        return None

    def _exempt(self, path):
        if path.startswith(self.EXEMPT_PREFIXES):
            return True
        return path in {reverse(name) for name in self.EXEMPT_URL_NAMES}


class PasswordChangeRequiredMiddleware:
    """A user whose password someone else chose (`User.must_change_password`: an initial
    password from a bulk creation, an administrator's reset) is sent to the password page
    until they choose their own. Signing out, static files, the language switch and the
    two-factor pages (OTPRequiredMiddleware comes first) stay open. A request of the API
    signed with a session gets a 403; one signed with a token is no session's (its user is
    not known here) and is not affected.
    """

    EXEMPT_PREFIXES = ("/static/", "/i18n/")
    EXEMPT_URL_NAMES = (
        "accounts:login",
        "accounts:logout",
        "accounts:password_change",
        "accounts:otp_setup",
        "accounts:otp_verify",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not self._exempt(request.path)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("请先修改初始密码。")}, status=403)
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:password_change')}?{query}")
        return self.get_response(request)

    def _exempt(self, path):
        if path.startswith(self.EXEMPT_PREFIXES):
            return True
        return path in {reverse(name) for name in self.EXEMPT_URL_NAMES}
