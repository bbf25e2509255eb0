from django.contrib.auth import views as auth_views

from lianfang.core.access import public, role_required
from lianfang.core.roles import Role

login = public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html", redirect_authenticated_user=True
    )
)
logout = public(auth_views.LogoutView.as_view())
password_change = role_required(*Role.ALL)(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url="/"
    )
)
