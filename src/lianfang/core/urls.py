from django.urls import path

from . import (
    attachment_views,
    audit_views,
    job_views,
    maintenance_views,
    notification_views,
    orgsetting_views,
    publication_views,
    warning_views,
    word_views,
    workday_views,
)

app_name = "core"
urlpatterns = [
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", audit_views.audit_detail, name="audit_detail"),
    path("audit/verify/", audit_views.audit_verify, name="audit_verify"),
    path("warnings/", warning_views.warning_list, name="warning_list"),
    path("warnings/<int:pk>/", warning_views.warning_detail, name="warning_detail"),
    path(
        "warnings/<int:pk>/transition/",
        warning_views.warning_transition,
        name="warning_transition",
    ),
    path("maintenance/modules/", maintenance_views.module_list, name="module_list"),
    path(
        "maintenance/modules/<int:pk>/toggle/",
        maintenance_views.module_toggle,
        name="module_toggle",
    ),
    path(
        "attachments/<int:pk>/",
        attachment_views.attachment_download,
        name="attachment_download",
    ),
    path("notifications/", notification_views.inbox, name="inbox"),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read/",
        notification_views.notification_read_all,
        name="notification_read_all",
    ),
    path(
        "notifications/settings/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path("maintenance/deliveries/", notification_views.delivery_list, name="delivery_list"),
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("maintenance/columns/<int:pk>/edit/", maintenance_views.column_edit, name="column_edit"),
    path(
        "maintenance/organisations/",
        maintenance_views.organisation_modules,
        name="organisation_modules",
    ),
    path(
        "maintenance/organisations/<int:org_pk>/modules/",
        maintenance_views.organisation_module_edit,
        name="organisation_module_edit",
    ),
    path("maintenance/settings/", orgsetting_views.org_settings, name="org_settings"),
    path(
        "maintenance/settings/<int:org_pk>/",
        orgsetting_views.org_settings_edit,
        name="org_settings_edit",
    ),
    path(
        "public/<int:org_pk>/<slug:module>/<slug:column>/",
        publication_views.public_column,
        name="public_column",
    ),
    path("publications/", publication_views.publication_index, name="publication_index"),
    path(
        "publications/<int:org_pk>/<slug:module>/<slug:column>/",
        publication_views.publication_column,
        name="publication_column",
    ),
    path(
        "publications/<int:pk>/withdraw/",
        publication_views.publication_withdraw,
        name="publication_withdraw",
    ),
    path("maintenance/word-templates/", word_views.word_templates, name="word_templates"),
    path(
        "maintenance/word-templates/<str:code>/default/",
        word_views.word_template_default,
        name="word_template_default",
    ),
    path(
        "maintenance/organisations/<int:org_pk>/word-templates/",
        word_views.word_template_edit,
        name="word_template_edit",
    ),
    path("maintenance/calendar/", workday_views.workday_calendar, name="workday_calendar"),
    path(
        "maintenance/calendar/<int:pk>/edit/",
        workday_views.workday_override_edit,
        name="workday_override_edit",
    ),
    path(
        "maintenance/calendar/<int:pk>/delete/",
        workday_views.workday_override_delete,
        name="workday_override_delete",
    ),
    path(
        "maintenance/calendar/years/confirm/",
        workday_views.workday_year_confirm,
        name="workday_year_confirm",
    ),
    path(
        "maintenance/calendar/years/<int:pk>/withdraw/",
        workday_views.workday_year_withdraw,
        name="workday_year_withdraw",
    ),
]
