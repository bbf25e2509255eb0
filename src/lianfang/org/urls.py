from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("departments/", views.organisation_list, name="department_list"),
    path("posts/", views.organisation_list, name="post_list"),
    path("people/", views.organisation_list, name="person_list"),
    path("divisions/", views.organisation_list, name="division_list"),
]
