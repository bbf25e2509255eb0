from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.password_change, name="otp_setup"),
    path("otp/verify/", views.password_change, name="otp_verify"),
    path("users/", views.password_change, name="user_list"),
]
