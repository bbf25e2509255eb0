from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    # staff pages (two or more segments under manage/, never a site's address)
    path("manage/sites/", views.manage_sites, name="manage_sites"),
    path("manage/sites/<int:org_pk>/", views.manage_site, name="manage_site"),
    path("manage/completeness/", views.completeness_index, name="completeness_index"),
    path("manage/completeness/<int:org_pk>/", views.completeness, name="completeness"),
    # the public sites
    path("", views.index, name="index"),
    path("<str:code>/", views.home, name="home"),
    path("<str:code>/c/<slug:column>/", views.column, name="column"),
    path("<str:code>/c/<slug:column>/<int:item>/", views.item, name="item"),
    path("<str:code>/photo/<int:pk>/", views.leader_photo, name="leader_photo"),
]
