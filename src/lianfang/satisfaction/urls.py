from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("s/<int:pk>/", views.answer, name="answer"),
    path("", views.results, name="results"),
    path("departments/<int:pk>/", views.department, name="department"),
    path("departments/<int:pk>/qr.svg", views.qr_svg, name="qr_svg"),
    path("departments/<int:pk>/qr.png", views.qr_png, name="qr_png"),
    path("departments/<int:pk>/poster.pdf", views.poster, name="poster"),
    path("departments/<int:pk>/slips.pdf", views.slips, name="slips"),
    path("flagged/", views.flagged, name="flagged"),
    path("flagged/review/", views.flagged_review, name="flagged_review"),
    path("questionnaires/", views.questionnaires, name="questionnaires"),
]
