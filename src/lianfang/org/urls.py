from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/functions/new/", views.function_create, name="function_create"),
    path("functions/<int:pk>/edit/", views.function_edit, name="function_edit"),
    path("functions/<int:pk>/delete/", views.function_delete, name="function_delete"),
    path("posts/", views.post_list, name="post_list"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/export/", views.roster_export, name="roster_export"),
    path("people/import/", views.roster_import, name="roster_import"),
    path("people/import/template/", views.roster_template, name="roster_template"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/photo/", views.person_photo, name="person_photo"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/assign/", views.person_assign, name="person_assign"),
    path("assignments/<int:pk>/edit/", views.assignment_edit, name="assignment_edit"),
    path("divisions/", views.division_list, name="division_list"),
    path("divisions/new/", views.division_create, name="division_create"),
    path("divisions/<int:pk>/edit/", views.division_edit, name="division_edit"),
    path("divisions/<int:pk>/delete/", views.division_delete, name="division_delete"),
    path("rotation/", views.rotation_list, name="rotation_list"),
]
