from django.urls import path  # noqa: F401

from . import library_views

app_name = "risks"
urlpatterns = [
    path("library/", library_views.library_list, name="library_list"),
    path("library/<slug:key>/import/", library_views.library_import, name="library_import"),
]
