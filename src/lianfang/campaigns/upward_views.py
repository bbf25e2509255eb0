"""Pages of the upward review (干部职工给领导查): 领导风险点征求意见, the leaders' filings open
to the signed-in user's comments (or, for a leader, their own; for the integrity office, all
of its organisations'), one filing's page with its comments and the comment form, and the
panel of the comments on the register's point page (the slot `risks.filing_hooks.POINT_DETAIL`).

Out of scope (not the office, not the leader, not one of the staff asked): 404, nothing
written. Every write goes through `upward_services`."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianfang.core import extensions
from lianfang.core.access import role_required
from lianfang.core.extensions import Panel
from lianfang.core.forms import BootstrapFormMixin
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.org.forms import FilterForm
from lianfang.risks import filing_hooks
from lianfang.risks import selectors as risk_selectors

from . import upward_selectors, upward_services
from .models import UpwardReview

OPEN, CLOSED = "open", "closed"


class UpwardFilterForm(FilterForm):
    state = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            (OPEN, gettext_lazy("征求中")),
            (CLOSED, gettext_lazy("已截止")),
        ],
    )

    def setup(self):
        self.fields["q"].widget.attrs["placeholder"] = gettext_lazy("领导或风险点")
        self.order_fields(["state", "q"])


class UpwardCommentForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("意见"),
        max_length=upward_services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("请填写意见。")},
        help_text=gettext_lazy("就风险点是否查得准、措施是否管用提出意见或补充线索。"),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("对领导匿名（纪检监察部门仍可见提出人）"), required=False
    )


@role_required(*Role.ALL)
def upward_list(request):
    filters = UpwardFilterForm(request.GET)
    values = filters.values
    rows = upward_selectors.upward_list(user=request.user)
    now = timezone.now()
    if values.get("state") == OPEN:
        rows = rows.filter(opens_at__lte=now, closes_at__gt=now)
    elif values.get("state") == CLOSED:
        rows = rows.filter(closes_at__lte=now)
    if values.get("q"):
        q = values["q"]
        rows = rows.filter(Q(leader__name__icontains=q) | Q(risk_point__name__icontains=q))
    table = paginate(
        request,
        rows,
        sorts={
            "closes": ("closes_at", "pk"),
            "leader": ("leader__name", "pk"),
            "point": ("risk_point__name", "pk"),
            "comments": ("comment_count", "pk"),
        },
        default="-closes",
    )
    for review in table.rows:
        review.open_now = review.is_open(now)
    return render(
        request, "campaigns/upward_list.html", {"table": table, "filters": filters, "now": now}
    )


def _review(request, pk) -> UpwardReview:
    return get_object_or_404(
        upward_selectors.upward_reviews_visible_to(request.user).select_related(
            "campaign__organisation", "leader", "risk_point__organisation", "submission"
        ),
        pk=pk,
    )


def _page(request, review, form):
    now = timezone.now()
    may_comment = upward_services.may_comment(request.user, review)
    point = review.risk_point
    return render(
        request,
        "campaigns/upward_detail.html",
        {
            "review": review,
            "point": point,
            "measures": point.measures.select_related("owner_person", "owner_department"),
            "comments": upward_selectors.comments_for(user=request.user, review=review),
            "departments": review.departments.order_by("order", "pk"),
            "open_now": review.is_open(now),
            "form": form if may_comment and review.is_open(now) else None,
            "office": upward_selectors.is_office(request.user, review),
            "is_leader": review.leader.user_id == request.user.pk,
            "point_visible": risk_selectors.risk_points_visible_to(request.user)
            .filter(pk=point.pk)
            .exists(),
        },
    )


@role_required(*Role.ALL)
def upward_detail(request, pk):
    review = _review(request, pk)
    return _page(request, review, UpwardCommentForm())


@role_required(*Role.ALL)
@require_POST
def upward_comment(request, pk):
    review = _review(request, pk)
    if not upward_services.may_comment(request.user, review):
        raise Http404
    form = UpwardCommentForm(request.POST)
    if form.is_valid():
        try:
            upward_services.upward_comment_add(
                actor=request.user,
                review=review,
                text=form.cleaned_data["text"],
                anonymous=form.cleaned_data["anonymous"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("campaigns:upward_detail", pk=review.pk)
        else:
            messages.success(request, _("意见已提交，谢谢。"))
            return redirect("campaigns:upward_detail", pk=review.pk)
    return _page(request, review, form)


def point_panel(request, *, point) -> Panel | None:
    """On the register's point page: the comment windows of the point the user sees, with
    the comments as the user may read them (the office: every author; the leader: 匿名职工
    for an anonymous one; the staff asked: a link to comment)."""
    if not request.user.is_authenticated:
        return None
    reviews = upward_selectors.reviews_of_point(user=request.user, point=point)
    if not reviews:
        return None
    now = timezone.now()
    for review in reviews:
        review.open_now = review.is_open(now)
        review.shown_comments = upward_selectors.comments_for(user=request.user, review=review)
    html = render_to_string(
        "campaigns/includes/upward_panel.html", {"reviews": reviews}, request=request
    )
    return Panel(html=html)


extensions.contribute(filing_hooks.POINT_DETAIL, point_panel)
