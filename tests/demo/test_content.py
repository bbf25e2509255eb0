"""The demo hospital's portal content: news across the columns, notices (some expired),
regulations, all through the 审核, and two items waiting for review."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lianfang.content.models import Article
from lianfang.core.models import AuditEvent
from lianfang.org.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("demo", stdout=io.StringIO())


def test_the_demo_portal_has_its_content(demo, client):
    today = timezone.localdate()
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    news = published.filter(column__kind="news")
    notices = published.filter(column__kind="notices")
    assert news.count() >= 38
    assert news.values("column").distinct().count() == 4
    assert notices.count() == 12
    expired = notices.filter(expires_on__lt=today).count()
    assert 3 <= expired < 12
    assert published.filter(column__kind="regulations").count() >= 3
    assert Article.objects.filter(status=Article.Status.SUBMITTED).count() == 2
    assert AuditEvent.objects.filter(action="article.publish").count() == published.count()
    hospital = Organisation.objects.get(pk=published.first().organisation_id)
    column = notices.first().column
    page = client.get(reverse("portal:column", args=[hospital.code, column.code])).content.decode()
    current = notices.filter(expires_on__gte=today)
    assert all(a.title in page for a in current)
    assert not any(a.title in page for a in notices.filter(expires_on__lt=today))
