"""The 审核 of an article: an editor writes and submits, a reviewer publishes or returns it,
and a published one is withdrawn with a reason; every step audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianfang.content import services
from lianfang.content.models import Article
from lianfang.core.models import AuditEvent, Notification

from .conftest import publish


def draft(world, column, title="院务公开测试", **data):
    return services.article_create(
        actor=world.users["staff"], column=column, data={"title": title, **data}
    )


def test_an_editor_writes_and_submits_and_the_office_is_told(world, columns):
    article = draft(world, columns[1], "关于开展廉洁从业教育的通知", summary="全院职工参加")
    assert article.status == Article.Status.DRAFT and article.kind == Article.Kind.NOTICE
    services.article_submit(actor=world.users["staff"], article=article)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED
    assert article.submitted_by == world.users["staff"]
    told = Notification.objects.filter(kind="content.submitted")
    assert {n.recipient_id for n in told} == {world.users["integrity"].pk}
    assert "关于开展廉洁从业教育的通知" in told.get().subject


def test_the_reviewer_publishes_and_it_is_audited(world, columns):
    article = publish(world, columns[0], "我院召开党风廉政建设工作会议")
    assert article.status == Article.Status.PUBLISHED
    assert article.published_by == world.users["integrity"]
    assert article.published_on is not None
    actions = list(
        AuditEvent.objects.filter(object_id=str(article.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["article.create", "article.submit", "article.publish"]


def test_who_may_not_write_or_review(world, columns):
    with pytest.raises(PermissionDenied):  # the outsider is staff of the other hospital
        services.article_create(
            actor=world.users["outsider"], column=columns[0], data={"title": "越权"}
        )
    with pytest.raises(PermissionDenied):  # an administrator is no editor of this column
        services.article_create(
            actor=world.users["admin"], column=columns[0], data={"title": "越权"}
        )
    article = draft(world, columns[0])
    services.article_submit(actor=world.users["staff"], article=article)
    with pytest.raises(PermissionDenied):  # an editor does not publish
        services.article_publish(actor=world.users["staff"], article=article)
    with pytest.raises(PermissionDenied):  # the commission's office supervises read-only
        services.article_publish(actor=world.users["commission_integrity"], article=article)
    with pytest.raises(PermissionDenied):  # a submitted article is not edited
        services.article_update(actor=world.users["staff"], article=article, data={"title": "改"})


def test_nobody_reviews_what_they_submitted(world, columns):
    columns[0].editor_roles = ["integrity"]
    columns[0].save()
    office = world.users["integrity"]
    article = services.article_create(actor=office, column=columns[0], data={"title": "自审"})
    services.article_submit(actor=office, article=article)
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=office, article=article)


def test_a_return_needs_a_reason_and_tells_the_author(world, columns):
    article = draft(world, columns[0])
    services.article_submit(actor=world.users["staff"], article=article)
    with pytest.raises(ValidationError):
        services.article_return(actor=world.users["integrity"], article=article, reason="  ")
    services.article_return(actor=world.users["integrity"], article=article, reason="标题不规范")
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.return_reason == "标题不规范"
    assert Notification.objects.filter(
        kind="content.returned", recipient=world.users["staff"]
    ).exists()
    services.article_update(
        actor=world.users["staff"], article=article, data={"title": "规范后的标题"}
    )
    services.article_submit(actor=world.users["staff"], article=article)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED and article.return_reason == ""


def test_a_withdrawal_needs_a_reason_and_is_audited(world, columns):
    article = publish(world, columns[0], "将被撤回")
    with pytest.raises(ValidationError):
        services.article_withdraw(actor=world.users["integrity"], article=article, reason="")
    services.article_withdraw(actor=world.users["integrity"], article=article, reason="信息有误")
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    event = AuditEvent.objects.get(action="article.withdraw")
    assert event.after["reason"] == "信息有误"


def test_bad_input_is_refused_by_field(world, columns):
    with pytest.raises(ValidationError) as error:
        draft(
            world,
            columns[1],
            title="   ",
            published_on=dt.date(2026, 5, 1),
            expires_on=dt.date(2026, 4, 1),
        )
    assert set(error.value.error_dict) == {"title", "expires_on"}
