"""The content module's public pages, under the portal's `/gk/<organisation code>/`.

Mounted in the project's urls.py before the portal's own patterns, so these few words after
the organisation's code are the content module's: articles, search, feeds. A column has one
address, the portal's (`/gk/<code>/c/<column>/`), and so has an article (its column's item,
`/gk/<code>/c/<column>/<pk>/`): `articles/<pk>/` answers 301 to it, kept for the links already
out there, while its files and images stay under `articles/<pk>/`. Every page here is 404
unless the organisation's site is open.
"""

from django.urls import path

from . import feeds, public_views

app_name = "content_public"
urlpatterns = [
    path("<slug:org_code>/search/", public_views.search, name="search"),
    path("<slug:org_code>/feeds/rss/", feeds.rss, name="feed_rss"),
    path("<slug:org_code>/feeds/atom/", feeds.atom, name="feed_atom"),
    path("<slug:org_code>/feeds/json/", public_views.feed_json, name="feed_json"),
    path("<slug:org_code>/articles/<int:pk>/", public_views.article_page, name="article"),
    path(
        "<slug:org_code>/articles/<int:pk>/files/<int:file_pk>/",
        public_views.file_download,
        name="file",
    ),
    path(
        "<slug:org_code>/articles/<int:pk>/images/<int:file_pk>/",
        public_views.image,
        name="image",
    ),
]
