from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/", views.assessment_create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("statistics/", views.statistics, name="stats"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/issue/", views.assessment_issue, name="issue"),
    path("<int:pk>/sign/", views.notice_sign, name="sign"),
    path("<int:pk>/rectify/", views.rectification_submit, name="rectify"),
    path("<int:pk>/accept/", views.rectification_accept, name="accept"),
    path("<int:pk>/return/", views.rectification_return, name="return"),
    path("<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("people/<int:pk>/accountability/", views.accountability_page, name="accountability"),
    path(
        "people/<int:pk>/accountability.docx",
        views.accountability_docx,
        name="accountability_docx",
    ),
]
