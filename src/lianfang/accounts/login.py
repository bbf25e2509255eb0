"""The login page: Django's, with the throttle of `throttle` in front of the password check."""

from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError

from lianfang.core.client_address import client_address

from . import throttle
from .forms import LoginForm


class ThrottledLoginForm(LoginForm):
    """Refuses an attempt the throttle holds back, before any password is checked."""

    refusal: throttle.Refusal | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            self.refusal = throttle.LOGIN.refusal(username, client_address(self.request))
            if self.refusal is not None:
                raise ValidationError(self.refusal.message, code="throttled")
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.refusal.seconds)
        return response
