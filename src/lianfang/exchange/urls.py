from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.unit_page, name="unit"),
    path("units/<int:pk>/submit/", views.submit, name="submit"),
    path("units/<int:pk>/export/", views.export, name="export"),
    path("received/", views.received, name="received"),
    path("received/import/", views.import_file, name="import"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
]
