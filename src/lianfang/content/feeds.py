"""RSS and Atom feeds of an organisation's news and notices (django.contrib.syndication)."""

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from lianfang.core.access import public

from . import public_views, selectors
from .sanitise import text_of


class ArticleFeed(Feed):
    def get_object(self, request, org_code):
        organisation = public_views.organisation_of(org_code)
        return organisation, public_views.feed_column(request, organisation)

    def title(self, obj):
        return public_views.feed_title(*obj)

    def link(self, obj):
        organisation, column = obj
        return reverse("content_public:search", kwargs={"org_code": organisation.code})

    def description(self, obj):
        return _("%(org)s 公开发布的新闻与通知公告。") % {"org": obj[0].name}

    def items(self, obj):
        organisation, column = obj
        return selectors.feed_articles(organisation=organisation, column=column)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or text_of(item.body)[:200]

    def item_link(self, item):
        return public_views.article_url(item)

    def item_pubdate(self, item):
        return item.published_at or dt.datetime.combine(item.published_on, dt.time.min)

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.column.name]

    def item_author_name(self, item):
        return item.author_department or None


class AtomArticleFeed(ArticleFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


def _cached(feed):
    @public
    def view(request, org_code):
        organisation = public_views.organisation_of(org_code)
        return public_views.cacheable(
            request, organisation, lambda: feed(request, org_code=org_code)
        )

    return view


rss = _cached(ArticleFeed())
atom = _cached(AtomArticleFeed())
