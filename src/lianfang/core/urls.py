from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.home, name="audit_list"),
    path("maintenance/modules/", views.home, name="module_list"),
]
