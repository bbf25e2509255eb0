"""The content module's pages inside the platform: the list, writing, preview and review."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core.access import role_required
from lianfang.core.attachments import attachments_of
from lianfang.core.pages import form_page
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.portal.models import PortalColumn

from . import images, permissions, selectors, services
from .attachments import FILE
from .forms import ArticleFilterForm, ArticleForm
from .models import Article

# Anyone may be a column's editor (系统维护 › 门户栏目 names the roles); the pages then show
# what the user edits or reviews.
WRITERS = Role.ALL
REVIEWERS = (Role.INTEGRITY,)

SORTS = {
    "title": "title",
    "column": ("column__order", "column__code"),
    "status": "status",
    "published_on": "published_on",
    "updated_at": "updated_at",
}


def _article_for(user, pk) -> Article:
    """The article if `user` may see it (404 otherwise, as for anything out of scope)."""
    return get_object_or_404(
        selectors.articles_visible_to(user).select_related(
            "column", "organisation", "cover", "created_by", "submitted_by", "published_by"
        ),
        pk=pk,
    )


def _columns_qs(user):
    ids = [c.pk for c in selectors.editable_columns(user)]
    return PortalColumn.objects.filter(pk__in=ids).select_related("organisation")


@role_required(*WRITERS)
def article_list(request):
    user = request.user
    columns = selectors.editable_columns(user)
    filters = ArticleFilterForm(request.GET, columns=columns)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    table = paginate(
        request,
        selectors.article_list(user=user, filters=data),
        sorts=SORTS,
        default="-updated_at",
        load=lambda pks: Article.objects.filter(pk__in=pks).select_related(
            "column", "organisation"
        ),
    )
    return render(
        request,
        "content/article_list.html",
        {
            "table": table,
            "rows": table.rows,
            "filters": filters,
            "may_write": bool(columns),
            "reviews": bool(selectors.reviewed_reach(user)),
        },
    )


@role_required(*WRITERS)
def article_create(request):
    user = request.user
    columns = _columns_qs(user)
    if not columns.exists():
        raise PermissionDenied
    form = ArticleForm(request.POST or None, request.FILES or None, columns=columns)
    return form_page(
        request,
        form,
        save=lambda data: services.article_create(
            actor=user,
            column=data["column"],
            data=data,
            cover=data.get("cover"),
            files=data.get("files") or (),
        ),
        success=_("已保存草稿，可预览后提交审核。"),
        next_url=lambda article: reverse("content:article_detail", args=[article.pk]),
        template="content/article_form.html",
        title=_("新建公开内容"),
        cancel_url=reverse("content:article_list"),
    )


@role_required(*WRITERS)
def article_edit(request, pk):
    user = request.user
    article = _article_for(user, pk)
    if not permissions.may_edit(user, article):
        raise PermissionDenied
    detail = reverse("content:article_detail", args=[article.pk])
    form = ArticleForm(
        request.POST or None,
        request.FILES or None,
        columns=PortalColumn.objects.none(),
        article=article,
    )
    return form_page(
        request,
        form,
        save=lambda data: services.article_update(
            actor=user,
            article=article,
            data=data,
            cover=data.get("cover"),
            files=data.get("files") or (),
        ),
        success=_("已保存。"),
        next_url=detail,
        template="content/article_form.html",
        title=_("编辑：%(title)s") % {"title": article.title},
        article=article,
        files=list(attachments_of(article).order_by("pk")),
        cancel_url=detail,
    )


@role_required(*WRITERS)
def article_detail(request, pk):
    """The article as the public will read it, its state and what the user may do with it."""
    user = request.user
    article = _article_for(user, pk)
    files = [a for a in attachments_of(article, FILE).order_by("pk")]
    return render(
        request,
        "content/article_detail.html",
        {
            "article": article,
            "body": images.to_staff(article.body, article),
            "files": files,
            "may_edit": permissions.may_edit(user, article),
            "may_decide": permissions.may_decide(user, article),
            "may_withdraw": permissions.may_withdraw(user, article),
        },
    )


def _act(request, pk, act, success):
    user = request.user
    article = _article_for(user, pk)
    try:
        act(user, article)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("content:article_detail", pk=article.pk)


@role_required(*WRITERS)
@require_POST
def article_submit(request, pk):
    return _act(
        request,
        pk,
        lambda user, article: services.article_submit(actor=user, article=article),
        _("已提交审核，等待纪检监察审核发布。"),
    )


@role_required(*REVIEWERS)
@require_POST
def article_publish(request, pk):
    return _act(
        request,
        pk,
        lambda user, article: services.article_publish(actor=user, article=article),
        _("已审核发布，门户上即可看到。"),
    )


@role_required(*REVIEWERS)
@require_POST
def article_return(request, pk):
    return _act(
        request,
        pk,
        lambda user, article: services.article_return(
            actor=user, article=article, reason=request.POST.get("reason", "")
        ),
        _("已退回编辑修改。"),
    )


@role_required(*REVIEWERS)
@require_POST
def article_withdraw(request, pk):
    return _act(
        request,
        pk,
        lambda user, article: services.article_withdraw(
            actor=user, article=article, reason=request.POST.get("reason", "")
        ),
        _("已撤回，门户上该内容不再显示。"),
    )


@role_required(*WRITERS)
@require_POST
def article_file_remove(request, pk, file_pk):
    user = request.user
    article = _article_for(user, pk)
    attachment = get_object_or_404(attachments_of(article), pk=file_pk)
    services.article_file_remove(actor=user, article=article, attachment=attachment)
    messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.name})
    return redirect("content:article_edit", pk=article.pk)


@role_required(*WRITERS)
@require_POST
def article_image_upload(request, pk):
    """The editor's image button: `image` (a JPEG or PNG) kept for the article's body; JSON
    {"url": the address the editor shows it by} or {"error": why not} with 400."""
    user = request.user
    article = _article_for(user, pk)
    if not permissions.may_edit(user, article):
        raise PermissionDenied
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("请选择图片文件。")}, status=400)
    try:
        attachment = services.article_image_add(actor=user, article=article, upload=upload)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse(
        {"url": images.staff_url(attachment.pk), "name": attachment.name}, status=201
    )


@role_required(*REVIEWERS)
def review_queue(request):
    user = request.user
    table = paginate(
        request,
        selectors.review_queue(user=user),
        sorts={"submitted_at": "submitted_at", "title": "title"},
        default="submitted_at",
        load=lambda pks: Article.objects.filter(pk__in=pks).select_related(
            "column", "organisation", "submitted_by"
        ),
    )
    return render(request, "content/review_queue.html", {"table": table, "rows": table.rows})
