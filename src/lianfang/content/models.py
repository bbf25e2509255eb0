"""Models of the content module: the articles and notices of the portal's columns."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArticleQuerySet(models.QuerySet):
    def public(self, today=None):
        """What the public site shows: published, and for a notice not past its expiry."""
        today = today or timezone.localdate()
        return self.filter(status=Article.Status.PUBLISHED).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


class Article(models.Model):
    """An article, notice, regulation or page of a portal column, written by an editor of the
    column and published by a reviewer (审核). Its body is sanitised HTML (`sanitise.clean`)."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("新闻")
        NOTICE = "notice", _("通知公告")
        REGULATION = "regulation", _("规章制度")
        PAGE = "page", _("页面")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,  # as its columns (portal.PortalColumn) go with it
        related_name="content_articles",
    )
    column = models.ForeignKey(
        "portal.PortalColumn",
        verbose_name=_("栏目"),
        # a column with articles is kept (switched off instead), unless its organisation goes
        on_delete=models.RESTRICT,
        related_name="articles",
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    body = models.TextField(_("正文"), blank=True)
    # title, summary and the body's words, for the public search (LIKE; trigram-indexed on
    # PostgreSQL when pg_trgm is available: migration 0002)
    search_text = models.TextField(blank=True, default="", editable=False)
    cover = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("封面图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    author_department = models.CharField(_("发布部门"), max_length=100, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    withdraw_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-published_on", "-id"]
        indexes = [
            models.Index(
                fields=["column", "status", "-pinned", "-published_on"],
                name="content_article_column_list",
            ),
            models.Index(fields=["organisation", "status"], name="content_article_org_status"),
        ]
        verbose_name = _("公开内容")
        verbose_name_plural = _("公开内容")

    def __str__(self):
        return self.title
