"""Every write of the content module: an article from draft to published (审核) and back.

    draft ──submit──▶ submitted ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │
      └──────return──────┘ (with a reason)

Each service checks who may act (`permissions`), writes in one transaction and appends its
audit event; a submission tells the organisation's reviewers (`core.notifications`).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, notifications
from lianfang.core.attachments import attachment_delete, attachment_save, attachments_of
from lianfang.core.roles import Role
from lianfang.portal import services as portal_services

from . import attachments, images, permissions
from . import notifications as kinds
from .models import Article
from .sanitise import clean, text_of
from .selectors import KINDS

FIELDS = (
    "title",
    "summary",
    "body",
    "published_on",
    "author_department",
    "pinned",
    "expires_on",
)


def _state(article: Article) -> dict:
    return {
        "column": article.column.code,
        "kind": article.kind,
        "title": article.title,
        "status": article.status,
        "published_on": article.published_on.isoformat() if article.published_on else None,
        "pinned": article.pinned,
        "expires_on": article.expires_on.isoformat() if article.expires_on else None,
        "cover": article.cover_id,
    }


def _apply(article: Article, data: dict) -> None:
    """Set the editable fields from `data`, cleaned and checked (ValidationError by field)."""
    errors = {}
    title = " ".join(str(data.get("title") or "").split())
    if not title:
        errors["title"] = _("请填写标题。")
    article.title = title[:200]
    article.summary = " ".join(str(data.get("summary") or "").split())[:500]
    article.body = clean(images.to_public(str(data.get("body") or ""), article))
    article.author_department = str(data.get("author_department") or "").strip()[:100]
    article.pinned = bool(data.get("pinned"))
    article.published_on = data.get("published_on") or None
    article.expires_on = data.get("expires_on") or None
    if article.expires_on and article.published_on and article.expires_on < article.published_on:
        errors["expires_on"] = _("有效期不能早于发布日期。")
    if errors:
        raise ValidationError(errors)
    article.search_text = "\n".join(
        filter(None, [article.title, article.summary, text_of(article.body)])
    )


def _attach(actor, article: Article, cover=None, files=()) -> None:
    """Keep the uploads (core.attachments checks and re-encodes them); a new cover withdraws
    the one before."""
    if cover is not None:
        if article.cover_id:
            attachment_delete(actor=actor, attachment=article.cover, reason=_("更换封面"))
        article.cover = attachment_save(
            actor=actor, use=attachments.COVER, target=article, upload=cover
        )
        article.save(update_fields=["cover"])
    for upload in files:
        attachment_save(actor=actor, use=attachments.FILE, target=article, upload=upload)


@transaction.atomic
def article_create(*, actor, column, data: dict, cover=None, files=()) -> Article:
    """A draft in `column` (a content column the actor edits)."""
    if column.kind not in KINDS:
        raise ValidationError({"column": _("该栏目不发布文章。")})
    if not permissions.may_edit_column(actor, column):
        raise PermissionDenied
    now = timezone.now()
    article = Article(
        organisation=column.organisation,
        column=column,
        kind=KINDS[column.kind],
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _apply(article, data)
    article.save()
    _attach(actor, article, cover, files)
    audit.record(actor=actor, action="article.create", obj=article, after=_state(article))
    return article


@transaction.atomic
def article_update(*, actor, article: Article, data: dict, cover=None, files=()) -> Article:
    """Change a draft (new or returned); a submitted or published one is not edited."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if not permissions.may_edit(actor, article):
        raise PermissionDenied
    before = _state(article)
    _apply(article, data)
    article.updated_at = timezone.now()
    article.save()
    _attach(actor, article, cover, files)
    audit.record(
        actor=actor, action="article.update", obj=article, before=before, after=_state(article)
    )
    return article


@transaction.atomic
def article_file_remove(*, actor, article: Article, attachment) -> None:
    """Withdraw one of a draft's files (or its cover)."""
    if not permissions.may_edit(actor, article):
        raise PermissionDenied
    if not attachments_of(article).filter(pk=attachment.pk).exists():
        raise ValidationError(_("该附件不属于此内容。"))
    attachment_delete(actor=actor, attachment=attachment, reason=_("编辑删除"))
    if article.cover_id == attachment.pk:
        article.cover = None
        article.save(update_fields=["cover"])


def _transition(article: Article, may, actor) -> Article:
    article = Article.objects.select_for_update().select_related("column").get(pk=article.pk)
    if not may(actor, article):
        raise PermissionDenied
    return article


def _reason(reason: str, message: str) -> str:
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": message})
    return reason[:500]


@transaction.atomic
def article_submit(*, actor, article: Article) -> Article:
    """Send a draft to review; the organisation's reviewers (纪检监察) are told."""
    article = _transition(article, permissions.may_submit, actor)
    before = _state(article)
    now = timezone.now()
    article.status = Article.Status.SUBMITTED
    article.submitted_by, article.submitted_at, article.updated_at = actor, now, now
    article.return_reason = ""
    article.save()
    audit.record(
        actor=actor, action="article.submit", obj=article, before=before, after=_state(article)
    )
    notifications.notify(
        kinds.SUBMITTED,
        recipients=[notifications.RoleOn(Role.INTEGRITY, article.organisation)],
        context={
            "title": article.title,
            "column": article.column.name,
            "actor": actor.display_name or actor.get_username(),
        },
        target=article,
        link=reverse("content:article_detail", args=[article.pk]),
        organisation=article.organisation,
        exclude={actor.pk},
    )
    return article


@transaction.atomic
def article_publish(*, actor, article: Article, now: dt.datetime | None = None) -> Article:
    """Publish a submitted article (a reviewer, not its submitter): it appears on the public
    site from its publish date (today when none was given)."""
    article = _transition(article, permissions.may_decide, actor)
    before = _state(article)
    now = now or timezone.now()
    article.status = Article.Status.PUBLISHED
    article.published_on = article.published_on or timezone.localdate(now)
    article.reviewed_by = article.published_by = actor
    article.reviewed_at = article.published_at = article.updated_at = now
    article.save()
    audit.record(
        actor=actor, action="article.publish", obj=article, before=before, after=_state(article)
    )
    portal_services.pages_changed(article.organisation)
    return article


@transaction.atomic
def article_image_add(*, actor, article: Article, upload):
    """An image for the article's body (the editor's image button), kept in the shared file
    store: core checks the bytes are a JPEG or PNG, re-encodes them with Pillow within the
    size and pixel limits and refuses a decompression bomb (AttachmentError, a
    ValidationError saying why). Only while its editors may still change the article."""
    article = Article.objects.select_for_update().select_related("organisation").get(pk=article.pk)
    if not permissions.may_edit(actor, article):
        raise PermissionDenied
    return attachment_save(actor=actor, use=attachments.IMAGE, target=article, upload=upload)


@transaction.atomic
def article_return(*, actor, article: Article, reason: str) -> Article:
    """Send a submitted article back to its editors as a draft, with the reason."""
    reason = _reason(reason, _("请填写退回理由。"))
    article = _transition(article, permissions.may_decide, actor)
    before = _state(article)
    now = timezone.now()
    article.status = Article.Status.DRAFT
    article.return_reason = reason
    article.reviewed_by, article.reviewed_at, article.updated_at = actor, now, now
    article.save()
    audit.record(
        actor=actor,
        action="article.return",
        obj=article,
        before=before,
        after={**_state(article), "reason": reason},
    )
    notifications.notify(
        kinds.RETURNED,
        recipients=[article.submitted_by_id or article.created_by_id],
        context={
            "title": article.title,
            "reason": reason,
            "actor": actor.display_name or actor.get_username(),
        },
        target=article,
        link=reverse("content:article_detail", args=[article.pk]),
        organisation=article.organisation,
    )
    return article


@transaction.atomic
def article_withdraw(*, actor, article: Article, reason: str) -> Article:
    """Take a published article off the public site (its page then answers 410 Gone)."""
    reason = _reason(reason, _("请填写撤回理由。"))
    article = _transition(article, permissions.may_withdraw, actor)
    before = _state(article)
    now = timezone.now()
    article.status = Article.Status.WITHDRAWN
    article.withdraw_reason = reason
    article.withdrawn_by, article.withdrawn_at, article.updated_at = actor, now, now
    article.save()
    audit.record(
        actor=actor,
        action="article.withdraw",
        obj=article,
        before=before,
        after={**_state(article), "reason": reason},
    )
    portal_services.pages_changed(article.organisation)
    return article
