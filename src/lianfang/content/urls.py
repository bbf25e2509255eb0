from django.urls import path

from . import views

app_name = "content"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("new/", views.article_create, name="article_create"),
    path("review/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.article_detail, name="article_detail"),
    path("<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("<int:pk>/submit/", views.article_submit, name="article_submit"),
    path("<int:pk>/publish/", views.article_publish, name="article_publish"),
    path("<int:pk>/return/", views.article_return, name="article_return"),
    path("<int:pk>/withdraw/", views.article_withdraw, name="article_withdraw"),
    path("<int:pk>/images/", views.article_image_upload, name="article_image_upload"),
    path(
        "<int:pk>/files/<int:file_pk>/remove/",
        views.article_file_remove,
        name="article_file_remove",
    ),
]
