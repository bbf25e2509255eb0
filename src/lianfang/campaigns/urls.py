from django.urls import path

from . import upward_views, views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("mine/", views.my_tasks, name="mine"),
    path("tasks/<int:pk>/file/", views.task_filing, name="task_filing"),
    path("points/<int:pk>/confirm/", views.point_confirm, name="point_confirm"),
    path("upward/", upward_views.upward_list, name="upward_list"),
    path("upward/<int:pk>/", upward_views.upward_detail, name="upward_detail"),
    path("upward/<int:pk>/comment/", upward_views.upward_comment, name="upward_comment"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/open/", views.campaign_open, name="open"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/tasks/", views.task_list, name="tasks"),
    path("<int:pk>/summary.docx", views.summary_docx, name="summary_docx"),
    path("<int:pk>/summary.pdf", views.summary_pdf, name="summary_pdf"),
]
