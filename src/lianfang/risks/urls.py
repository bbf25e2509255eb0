from django.urls import path  # noqa: F401

from . import document_views, library_views, point_views, review_views, scheme_views, views

app_name = "risks"
urlpatterns = [
    # The register (风险点台账) and its pages
    path("", views.register, name="register"),
    path("charts/", views.register_charts, name="register_charts"),
    path("overdue/", views.overdue, name="overdue"),
    path("overdue/review/", views.overdue_review, name="overdue_review"),
    path("overdue/measures/", views.overdue_measures, name="overdue_measures"),
    path("mine/", views.my_risks, name="mine"),
    path("departments/<int:pk>/", views.department_risks, name="department"),
    path("people/<int:pk>/", views.person_risks, name="person"),
    path("points/new/", point_views.point_create, name="point_create"),
    path("points/new/options/", point_views.point_form_options, name="point_form_options"),
    path("points/<int:pk>/", point_views.point_detail, name="point_detail"),
    path("points/<int:pk>/edit/", point_views.point_edit, name="point_edit"),
    path("points/<int:pk>/file/", point_views.point_file, name="point_file"),
    path("points/<int:pk>/review/", point_views.point_review, name="point_review"),
    # The review chain: decisions on a point, a filed point's change, the 待审 list
    path("points/<int:pk>/approve/", review_views.point_approve, name="point_approve"),
    path("points/<int:pk>/return/", review_views.point_return, name="point_return"),
    path("points/<int:pk>/skip/", review_views.point_skip, name="point_skip"),
    path(
        "points/<int:pk>/file-directly/",
        review_views.point_file_directly,
        name="point_file_directly",
    ),
    path(
        "points/<int:pk>/request-change/",
        review_views.point_request_change,
        name="point_request_change",
    ),
    path("reviews/", review_views.review_queue, name="review_queue"),
    path("reviews/approve/", review_views.review_batch, name="review_batch"),
    path("reviews/chain/", review_views.review_chain_index, name="review_chain_index"),
    path("reviews/chain/<int:org_pk>/", review_views.review_chain_edit, name="review_chain_edit"),
    path("points/<int:pk>/retire/", point_views.point_retire, name="point_retire"),
    path("points/<int:pk>/measures/", point_views.point_measures, name="point_measures"),
    path(
        "points/<int:pk>/measures/<int:measure_pk>/unlink/",
        point_views.point_unlink,
        name="point_unlink",
    ),
    path("measures/<int:pk>/", point_views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/edit/", point_views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/progress/", point_views.measure_progress, name="measure_progress"),
    path("library/", library_views.library_list, name="library_list"),
    path("library/<slug:key>/import/", library_views.library_import, name="library_import"),
    # Printable documents and register exchange
    path("positioning/", document_views.positioning_index, name="positioning_index"),
    path("positioning/<int:pk>/", document_views.positioning_page, name="positioning"),
    path("positioning/<int:pk>/xlsx/", document_views.positioning_xlsx, name="positioning_xlsx"),
    path("positioning/<int:pk>/pdf/", document_views.positioning_pdf, name="positioning_pdf"),
    path("positioning/<int:pk>/docx/", document_views.positioning_docx, name="positioning_docx"),
    path("register/xlsx/", document_views.register_xlsx, name="register_xlsx"),
    path("register/pdf/", document_views.register_pdf, name="register_pdf"),
    path("register/docx/", document_views.register_docx, name="register_docx"),
    path("register/import/", document_views.register_import, name="register_import"),
    path(
        "register/import/template/",
        document_views.register_template,
        name="register_template",
    ),
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
    path("schemes/<int:pk>/delete/", scheme_views.scheme_delete, name="scheme_delete"),
    path("phrases/", scheme_views.phrase_list, name="phrase_list"),
    path("phrases/<int:pk>/toggle/", scheme_views.phrase_toggle, name="phrase_toggle"),
    path("phrases/<int:pk>/delete/", scheme_views.phrase_delete, name="phrase_delete"),
]
