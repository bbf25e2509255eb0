from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class OTPRequiredMiddleware:
    """Privileged users (administrators, integrity office) must pass TOTP before anything else.

    Off when settings.REQUIRE_OTP is false (development and the demo, which then says so).
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_OTP
            and user is not None
            and user.is_authenticated
            and user.is_privileged
            and not user.is_verified()
            and not request.path.startswith(self.EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
        return self.get_response(request)
