"""Pages of the investigation campaigns: the list, the form, the progress page (every number
opens its list of tasks), opening and closing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lianfang.core import documents, word
from lianfang.core.access import role_required
from lianfang.core.exports import record_export
from lianfang.core.pages import form_page
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.org.selectors import organisations_manageable_by
from lianfang.risks.models import Category

from . import selectors, services, upward_selectors, word_forms
from .forms import CampaignForm, initial_of
from .models import Campaign, CampaignTask

MANAGERS = selectors.MANAGERS


def _campaign(request, pk) -> Campaign:
    return get_object_or_404(
        selectors.campaigns_visible_to(request.user).select_related("organisation"), pk=pk
    )


def _writable(request, pk) -> Campaign:
    campaign = _campaign(request, pk)
    if not organisations_manageable_by(request.user).filter(pk=campaign.organisation_id).exists():
        raise Http404
    return campaign


@role_required(*MANAGERS)
def campaign_list(request):
    table = paginate(
        request,
        selectors.campaign_list(user=request.user),
        sorts={"year": ("year", "name"), "name": "name", "state": ("state", "year")},
        default="-year",
    )
    return render(request, "campaigns/list.html", {"table": table})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    organisations = organisations_manageable_by(request.user)
    form = CampaignForm(
        request.POST or None,
        organisations=organisations,
        campaigns=selectors.campaigns_visible_to(request.user).filter(
            organisation__in=organisations
        ),
    )

    def save(cleaned):
        return services.campaign_create(
            actor=request.user, organisation=cleaned["organisation"], data=form.data_for_service()
        )

    return form_page(
        request,
        form,
        save=save,
        success=lambda c: _("已创建风险排查“%(name)s”（草稿）。") % {"name": c.name},
        next_url=lambda c: reverse("campaigns:detail", args=[c.pk]),
        template="campaigns/form.html",
        title=_("新建风险排查"),
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk):
    campaign = _writable(request, pk)
    organisations = organisations_manageable_by(request.user)
    form = CampaignForm(
        request.POST or None,
        initial=initial_of(campaign),
        organisations=organisations,
        campaigns=selectors.campaigns_visible_to(request.user)
        .filter(organisation=campaign.organisation)
        .exclude(pk=campaign.pk),
        fixed_organisation=campaign.organisation,
    )
    return form_page(
        request,
        form,
        save=lambda cleaned: services.campaign_update(
            actor=request.user, campaign=campaign, data=form.data_for_service()
        ),
        success=_("已保存。"),
        next_url=reverse("campaigns:detail", args=[campaign.pk]),
        template="campaigns/form.html",
        title=_("修改风险排查"),
        campaign=campaign,
    )


@role_required(*MANAGERS)
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    progress = selectors.progress(campaign=campaign)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "progress": progress,
            "statuses": CampaignTask.Status.choices,
            "summary": campaign.summary,
        },
    )


def _act(request, pk, service, done):
    campaign = _writable(request, pk)
    try:
        service(actor=request.user, campaign=campaign)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("campaigns:detail", pk=campaign.pk)


@role_required(*MANAGERS)
@require_POST
def campaign_open(request, pk):
    return _act(request, pk, services.campaign_open, _("已发布排查，排查任务已下达。"))


@role_required(*MANAGERS)
@require_POST
def campaign_close(request, pk):
    return _act(request, pk, services.campaign_close, _("排查已结束，总结已生成。"))


@role_required(*MANAGERS)
def task_list(request, pk):
    campaign = _campaign(request, pk)
    filters = {
        "department": request.GET.get("department", ""),
        "status": request.GET.get("status", ""),
        "returned": request.GET.get("returned") == "1",
        "late": request.GET.get("late") == "1",
    }
    table = paginate(
        request,
        selectors.task_list(user=request.user, campaign=campaign, filters=filters),
        sorts={
            "department": ("department__order", "department_id"),
            "person": ("person__name",),
            "status": ("status",),
            "returns": ("return_count",),
        },
        default="department",
    )
    return render(
        request,
        "campaigns/tasks.html",
        {
            "campaign": campaign,
            "table": table,
            "filters": filters,
            "statuses": CampaignTask.Status.choices,
        },
    )


def _summary(request, pk, kind: str):
    """The campaign's summary (the frozen one of a closed campaign, else as it stands) rendered
    by `word_forms.summary_<kind>`, recorded as an export."""
    campaign = _campaign(request, pk)
    summary = campaign.summary or services.summary_of(campaign)
    progress = selectors.progress(campaign=campaign)
    render = word_forms.summary_pdf if kind == "pdf" else word_forms.summary_docx
    content = render(campaign, summary, progress)
    record_export(
        actor=request.user,
        action=f"campaigns.summary.{kind}",
        what=_("风险排查工作总结"),
        rows=len(progress["rows"]),
        organisation=campaign.organisation,
        campaign=campaign.pk,
    )
    return campaign, content


@role_required(*MANAGERS)
def summary_docx(request, pk):
    """The campaign's summary as Word."""
    campaign, content = _summary(request, pk, "docx")
    return word.docx_response(content, f"{campaign.name}-工作总结.docx")


@role_required(*MANAGERS)
def summary_pdf(request, pk):
    """The campaign's summary as PDF (core.documents, as the commitments and notices print)."""
    campaign, content = _summary(request, pk, "pdf")
    return documents.pdf_response(content, f"{campaign.name}-工作总结.pdf")


@role_required(*Role.ALL)
def my_tasks(request):
    """我的排查任务: the signed-in person's tasks, the points carried over from last year (keep
    one as it is, or open it in the register to change it), and the way to add a point (the
    register's form, which suggests the standard library's points for the post's powers)."""
    return render(
        request,
        "campaigns/mine.html",
        {
            "tasks": selectors.my_tasks(user=request.user),
            "asked": upward_selectors.open_to_my_comment(user=request.user),
        },
    )


@role_required(*Role.ALL)
@require_POST
def point_confirm(request, pk):
    campaign_point = selectors.my_point(user=request.user, pk=pk)
    if campaign_point is None:
        raise Http404
    try:
        services.campaign_point_confirm(actor=request.user, campaign_point=campaign_point)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("已确认保留“%(name)s”。") % {"name": campaign_point.risk_point.name}
        )
    return redirect("campaigns:mine")


FILING_FIELDS = (*selectors.EDITABLE_FIELDS, "power", "step", "category", "measure")


def _choices(post) -> list:
    """The filing screen's rows as posted: each `row` key with its `<key>-action` and the
    fields typed (`<key>-name`, …)."""
    choices = []
    for key in dict.fromkeys(post.getlist("row")):
        if not key or len(key) > 20 or not key.replace("-", "").isalnum():
            continue
        data = {name: post.get(f"{key}-{name}", "") for name in FILING_FIELDS}
        data = {name: value for name, value in data.items() if f"{key}-{name}" in post}
        action = post.get(f"{key}-action", selectors.KEEP)
        choices.append(services.FilingChoice(key=key, action=action, data=data))
    return choices


def _differs(values: dict, baseline: dict) -> bool:
    return any(
        str(values.get(f) if values.get(f) is not None else "")
        != str(baseline.get(f) if baseline.get(f) is not None else "")
        for f in selectors.EDITABLE_FIELDS
    )


def _filing_cards(screen, choices, errors) -> tuple[list, list]:
    """The screen's rows as cards: the action and values chosen (the posted ones after a
    refusal), the row's refusals, and its mark against last year (修改, 删除, 新增)."""
    posted = {c.key: c for c in choices}
    cards = []
    for row in screen["rows"]:
        choice = posted.get(row.key)
        action = choice.action if choice else selectors.KEEP
        values = {**row.values, **(choice.data if choice else {})}
        if row.source == selectors.CARRIED:
            mark = {
                selectors.REMOVE: "removed",
                selectors.EDIT: "changed" if _differs(values, row.values) else "",
            }.get(action, "")
        else:
            mark = "" if action == selectors.REMOVE else "added"
        cards.append(
            {
                "row": row,
                "action": action,
                "values": values,
                "mark": mark,
                "errors": errors.get(row.key, []),
            }
        )
    added = [
        {"key": c.key, "values": c.data, "errors": errors.get(c.key, [])}
        for c in choices
        if c.key.startswith("n") and c.action != selectors.REMOVE
    ]
    return cards, added


@role_required(*Role.ALL)
@require_http_methods(["GET", "POST"])
def task_filing(request, pk):
    """One screen to file a task (一次填报): every suggested point of the post, last year's
    first (去年) and the standard library's for the post's powers (标准库), each kept, edited
    inline or removed, points added, and one submission through `services.task_file`. A
    refusal shows each row's reasons and writes nothing. Only the person's own task."""
    task = selectors.task_of(user=request.user, pk=pk)
    if task is None:
        raise Http404
    choices, errors = [], {}
    if request.method == "POST":
        choices = _choices(request.POST)
        try:
            counts = services.task_file(actor=request.user, task=task, choices=choices)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {}
            general = errors.pop("__all__", []) if errors else error.messages
            for message in general:
                messages.error(request, message)
            if errors:
                messages.error(
                    request,
                    _("有 %(n)s 个风险点未通过检查，请按提示修改后重新提交；本次未保存任何内容。")
                    % {"n": len(errors)},
                )
        else:
            messages.success(
                request,
                _(
                    "已提交：保留 %(kept)s 个，修改 %(changed)s 个（待审核），"
                    "新增 %(added)s 个（待审核），申请删除 %(removed)s 个。"
                )
                % counts,
            )
            return redirect("campaigns:mine")
    screen = selectors.filing_screen(task=task)
    cards, added = _filing_cards(screen, choices, errors)
    return render(
        request,
        "campaigns/filing.html",
        {
            "task": task,
            "cards": cards,
            "added": added,
            "settled": screen["settled"],
            "likelihoods": screen["likelihoods"],
            "harms": screen["harms"],
            "powers": list(selectors.task_powers(task)),
            "categories": Category.choices,
        },
    )
