"""The demo hospital's campaigns: last year's closed with its summary, this year's in progress
with late departments and one filing returned three times, all through the services."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lianfang.accounts.models import User
from lianfang.campaigns import selectors
from lianfang.campaigns.models import Campaign, CampaignTask, UpwardReview
from lianfang.campaigns.warning_rules import not_reconfirmed_conditions
from lianfang.reviews.models import Level, Submission
from lianfang.risks.models import RiskPointEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    out = StringIO()
    call_command("demo", "--seed", "7", stdout=out)
    assert "风险排查" in out.getvalue()


def test_the_demo_has_last_years_campaign_closed_and_this_years_under_way(demo, client):
    last, this = Campaign.objects.filter(organisation__code="SL-H01").order_by("year")
    assert last.state == "closed" and last.summary["points"] > 0
    assert last.summary["not_reconfirmed"] > 0
    assert not_reconfirmed_conditions(timezone.localdate())
    assert this.state == "open" and this.previous == last
    returned = CampaignTask.objects.get(campaign=this, return_count=3)
    assert returned.status == "in_review" and returned.person.user.username == "staff"
    point_ids = returned.points.values_list("risk_point_id", flat=True)
    assert RiskPointEvent.objects.filter(risk_point_id__in=point_ids, type="returned").count() == 3
    waiting = Submission.objects.open().get(object_id__in=point_ids)
    assert waiting.level == Level.INTEGRITY_OFFICE
    progress = selectors.progress(campaign=this)
    assert progress["totals"]["filed"] > 0 and progress["totals"]["late"] > 0
    client.force_login(User.objects.get(username="integrity"))
    page = client.get(reverse("campaigns:detail", args=[this.pk])).content.decode()
    assert "心内科" in page and 'data-testid="total-late"' in page


def test_the_demo_has_a_leaders_filing_open_to_the_staffs_comments(demo, client):
    """干部职工给领导查: the leader login's change request waits at the integrity office with
    three comments of the staff in charge, the staff login's anonymous to the leader."""
    review = UpwardReview.objects.get()
    assert review.leader.user.username == "leader"
    assert review.submission.level == Level.INTEGRITY_OFFICE
    comments = list(review.comments.order_by("created_at"))
    assert [c.anonymous for c in comments] == [True, False, False]
    assert comments[0].author.username == "staff"
    assert all(review.opens_at <= c.created_at < review.closes_at for c in comments)
    url = reverse("campaigns:upward_detail", args=[review.pk])
    staff_name = comments[0].author_name
    client.force_login(User.objects.get(username="leader"))
    page = client.get(url).content.decode()
    assert "匿名职工" in page and staff_name not in page
    client.force_login(User.objects.get(username="integrity"))
    assert staff_name in client.get(url).content.decode()
