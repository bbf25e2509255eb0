from django.urls import path

from . import views

app_name = "commitments"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("overview/", views.overview, name="overview"),
    path("generate/", views.generate, name="generate"),
    path("generate-all/", views.generate_all, name="generate_all"),
    path("template/", views.template, name="template"),
    path("published/", views.published, name="published"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/docx/", views.docx, name="docx"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
]
