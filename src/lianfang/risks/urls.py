from django.urls import path  # noqa: F401

from . import library_views, scheme_views

app_name = "risks"
urlpatterns = [
    path("library/", library_views.library_list, name="library_list"),
    path("library/<slug:key>/import/", library_views.library_import, name="library_import"),
    # Grading schemes and the generic phrase list
    path("schemes/", scheme_views.scheme_index, name="scheme_index"),
    path("schemes/org/<int:org_pk>/", scheme_views.scheme_organisation, name="scheme_organisation"),
    path("schemes/org/<int:org_pk>/new/", scheme_views.scheme_create, name="scheme_create"),
    path(
        "schemes/org/<int:org_pk>/switch/<int:size>/",
        scheme_views.scheme_switch,
        name="scheme_switch",
    ),
    path("schemes/<int:pk>/", scheme_views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/edit/", scheme_views.scheme_edit, name="scheme_edit"),
    path("schemes/<int:pk>/activate/", scheme_views.scheme_activate, name="scheme_activate"),
    path("phrases/", scheme_views.phrase_list, name="phrase_list"),
    path("phrases/<int:pk>/toggle/", scheme_views.phrase_toggle, name="phrase_toggle"),
    path("phrases/<int:pk>/delete/", scheme_views.phrase_delete, name="phrase_delete"),
]
