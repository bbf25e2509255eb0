"""Pages of the review chain (审核流程) in the register: a point's filing decisions (approve,
return, skip a level, file directly), a filed point's change request, the 待审 list of what
waits for the user with its batch approval, and each organisation's chain setting.

Who may act is permissions.py's rule (the pages offer only what it allows and answer 403 to
the rest); every write goes through services (`services/filing.py`, `reviews.services`).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from lianfang.core.access import role_required
from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.core.pages import form_page
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.org import selectors as org_selectors
from lianfang.org.forms import FilterForm
from lianfang.reviews import chain as review_chain
from lianfang.reviews import services as review_services
from lianfang.reviews.models import Level, Submission

from . import permissions, selectors, services
from .models import RiskPoint
from .point_views import _form_page, _point_for, _point_url, _reason_page, _register_crumb
from .register_forms import InlineRadioSelect, ReasonForm, RiskPointForm, level_choices
from .views import BADGE_LABELS, READ

MANAGE = (Role.ADMIN, Role.INTEGRITY)


def _next(request, default):
    """Where to go after a decision: the page it was taken from (the 待审 list), if ours."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# Decisions on a point -----------------------------------------------------------------------


@role_required(*READ)
@require_POST
def point_approve(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.APPROVE)
    try:
        point = services.risk_point_approve(
            actor=user, risk_point=point, note=request.POST.get("note", "")[:2000]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_next(request, _point_url(point)))
    submission = review_chain.open_submission(RiskPoint.objects.get(pk=point.pk))
    if submission is None:
        messages.success(request, _("审核通过：“%(name)s”已办结。") % {"name": point.name})
    else:
        level = Level(submission.level).label
        messages.success(request, _("审核通过，现待%(level)s审核。") % {"level": level})
    return redirect(_next(request, _point_url(point)))


@role_required(*READ)
def point_return(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.RETURN)
    return _reason_page(
        request,
        point,
        label=_("退回原因"),
        required=True,
        help_text=_("写明需要修改什么，退回后编写人修改并重新提交。"),
        save=lambda text: services.risk_point_return(actor=user, risk_point=point, reason=text),
        success=_("已退回编写人。"),
        title=_("退回"),
        submit_label=_("确认退回"),
        next_url=_next(request, reverse("risks:review_queue")),
        next_field=_next(request, ""),
    )


@role_required(*READ)
def point_skip(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.SKIP)
    submission = review_chain.open_submission(point)
    return _reason_page(
        request,
        point,
        label=_("跳过原因"),
        required=True,
        save=lambda text: services.risk_point_skip_level(actor=user, risk_point=point, reason=text),
        success=_("已跳过该审核环节。"),
        title=_("跳过审核环节：%(level)s") % {"level": Level(submission.level).label},
        submit_label=_("确认跳过"),
    )


@role_required(*READ)
def point_file_directly(request, pk):
    """The integrity office files a draft with a reason; the vagueness check's refusal is
    shown with every reason, as on the point's page."""
    user = request.user
    point = _point_for(user, pk, permissions.FILE_DIRECTLY)
    form = ReasonForm(
        request.POST or None,
        label=_("直接备案理由"),
        required=True,
        help_text=_("直接备案不经部门负责人等审核，理由与操作人记入变更记录和审计日志。"),
    )
    detail = _point_url(point)
    file_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_point_file_directly(
                actor=user, risk_point=point, reason=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            file_errors = exc.messages
        else:
            messages.success(request, _("风险点已直接备案。"))
            return redirect(detail)
    return render(
        request,
        "risks/point_form.html",
        {
            "form": form,
            "point": point,
            "file_errors": file_errors,
            "title": _("直接备案"),
            "submit_label": _("确认备案"),
            "crumbs": [_register_crumb(), (point.name, detail)],
            "cancel_url": detail,
        },
    )


class ChangeRequestForm(RiskPointForm):
    """A filed point's fields as its owner proposes them, and why (请求变更)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.label = _("变更理由")
        reason.required = True
        reason.help_text = _(
            "写明为什么变更。变更经审核通过后生效，在此之前风险点按已备案内容执行。"
        )


@role_required(*READ)
def point_request_change(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.REQUEST_CHANGE)
    form = ChangeRequestForm(
        request.POST or None, user=user, organisation=point.organisation, instance=point
    )

    def save(data):
        if not permissions.may_propose(user, point, form.service_data):
            raise PermissionDenied
        return services.risk_point_request_change(
            actor=user, risk_point=point, data=form.service_data, reason=data["reason"]
        )

    detail = _point_url(point)
    return _form_page(
        request,
        form,
        save=save,
        success=lambda saved: (
            _("已提交变更申请，待%(level)s审核。")
            % {"level": Level(review_chain.open_submission(saved).level).label}
        ),
        next_url=detail,
        title=_("请求变更"),
        crumbs=[_register_crumb(), (point.name, detail)],
        cancel_url=detail,
        intro=_("修改需要变更的内容并说明理由。变更经审核通过后才生效。"),
        submit_label=_("提交变更申请"),
        scripts=True,
    )


# The 待审 list ----------------------------------------------------------------------------------


class QueueFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_lazy("类型"),
        required=False,
        choices=[("", _lazy("全部类型")), *Submission.Kind.choices],
    )
    level = forms.TypedChoiceField(
        label=_lazy("风险等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[*level_choices(_lazy("全部等级")), (selectors.UNGRADED, _lazy("未定级"))],
    )
    unchanged = forms.BooleanField(label=_lazy("仅未变更的重新提交"), required=False)

    def setup(self):
        self.fields["q"].label = _("搜索")
        self.fields["q"].widget.attrs["placeholder"] = _("风险点名称")
        self.order_fields(["kind", "level", "q", "unchanged"])


@role_required(*READ)
def review_queue(request):
    user = request.user
    filters = QueueFilterForm(request.GET, user=user)
    queue = selectors.review_queue(user=user, filters=filters.values).select_related(
        "organisation", "department", "submitter"
    )
    table = paginate(request, queue, sorts=selectors.QUEUE_SORTS, default="submitted")
    rows = selectors.review_rows(table.page_obj.object_list)
    table.page_obj.object_list = rows
    return render(
        request,
        "risks/review_queue.html",
        {
            "table": table,
            "filters": filters,
            "badge": BADGE_LABELS,
            "multi_org": len(org_selectors.organisations_visible_to(user)[:2]) > 1,
            "is_reviewer": review_chain.is_reviewer(user),
            "batchable": any(row.unchanged for row in rows),
            "can_set_chain": org_selectors.can_manage_any(user),
        },
    )


@role_required(*READ)
@require_POST
def review_batch(request):
    """Approve the chosen unchanged re-submissions at once; nothing when one cannot be."""
    user = request.user
    ids = [int(i) for i in request.POST.getlist("points") if i.isdigit() and len(i) < 19]
    points = list(
        selectors.risk_points_visible_to(user)
        .filter(pk__in=ids)
        .select_related("organisation", "department", "post")
    )
    if len(points) != len(set(ids)):
        raise PermissionDenied
    for point in points:
        if not permissions.may(user, permissions.APPROVE, point):
            raise PermissionDenied
    try:
        services.risk_points_approve(actor=user, risk_points=points)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已批量通过 %(n)s 项。") % {"n": len(points)})
    return redirect(_next(request, reverse("risks:review_queue")))


# The chain setting --------------------------------------------------------------------------------


@role_required(*MANAGE)
def review_chain_index(request):
    user = request.user
    organisations = list(org_selectors.organisations_manageable_by(user).order_by("path"))
    rows = [(org, review_chain.chain_of(org)) for org in organisations]
    return render(
        request,
        "risks/review_chain_index.html",
        {"rows": rows, "level_labels": dict(Level.choices)},
    )


class ChainForm(ServiceErrorsMixin, forms.Form):
    INHERIT, OWN = "inherit", "own"
    mode = forms.ChoiceField(
        label=_lazy("审核流程"),
        choices=[(INHERIT, _lazy("沿用上级单位（或默认）设置")), (OWN, _lazy("本单位单独设置"))],
        widget=InlineRadioSelect,
    )
    department_head = forms.BooleanField(label=_lazy("部门负责人审核"), required=False)
    leader_in_charge = forms.BooleanField(label=_lazy("分管领导审核"), required=False)

    def __init__(self, *args, chain, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "mode": self.INHERIT if chain.inherited else self.OWN,
                "department_head": Level.DEPARTMENT_HEAD in chain.levels,
                "leader_in_charge": Level.LEADER_IN_CHARGE in chain.levels,
            },
        )
        super().__init__(*args, **kwargs)
        style_fields(self)


@role_required(*MANAGE)
def review_chain_edit(request, org_pk):
    user = request.user
    organisation = get_object_or_404(org_selectors.organisations_manageable_by(user), pk=org_pk)
    chain = review_chain.chain_of(organisation)
    form = ChainForm(request.POST or None, chain=chain)

    def save(data):
        if data["mode"] == ChainForm.INHERIT:
            return review_services.chain_setting_inherit(actor=user, organisation=organisation)
        return review_services.chain_setting_save(
            actor=user,
            organisation=organisation,
            department_head=data["department_head"],
            leader_in_charge=data["leader_in_charge"],
        )

    index = reverse("risks:review_chain_index")
    return form_page(
        request,
        form,
        save=save,
        success=_("已保存审核流程设置。"),
        next_url=index,
        template="risks/review_chain_form.html",
        organisation=organisation,
        chain=chain,
        level_labels=dict(Level.choices),
        cancel_url=index,
    )
