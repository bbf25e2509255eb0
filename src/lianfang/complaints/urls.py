from django.urls import path

from . import views

app_name = "complaints"
# The public pages live under /complaints/report/ and /complaints/receipt/: the prefixes
# middleware.ReporterPrivacyMiddleware strips the client's address and browser from.
urlpatterns = [
    path("report/", views.report_index, name="report_index"),
    path("report/<str:code>/", views.report_new, name="report_new"),
    path("receipt/", views.receipt_lookup, name="receipt_lookup"),
    path("receipt/case/", views.receipt_case, name="receipt_case"),
    path("receipt/leave/", views.receipt_leave, name="receipt_leave"),
    path("", views.complaint_list, name="list"),
    path("due/", views.due, name="due"),
    path("statistics/", views.statistics, name="statistics"),
    path("new/", views.staff_new, name="staff_new"),
    path("enter/", views.enter, name="enter"),
    path("print/<str:token>/", views.receipt_print, name="receipt_print"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file_download"),
    path("identity/", views.identity_requests, name="identity_requests"),
    path("identity/<int:pk>/decide/", views.identity_decide, name="identity_decide"),
    path("officers/", views.officers, name="officers"),
]
