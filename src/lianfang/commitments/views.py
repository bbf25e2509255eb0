"""Pages of the commitments module: my commitments, the review queue, the office's overview
with the missing and stale lists, a commitment with its actions, the template, the forms."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from lianfang.core import extensions
from lianfang.core.access import role_required
from lianfang.core.roles import Role
from lianfang.core.tables import paginate
from lianfang.org.models import Department
from lianfang.org.selectors import person_of

from . import documents, jobs, selectors, services
from .models import Commitment

REVIEWERS = (Role.LEADER, Role.INTEGRITY)
OFFICE = (Role.INTEGRITY, Role.ADMIN)


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    today = timezone.localdate().year
    return year if 2000 <= year <= today + 1 else today


@role_required(*Role.ALL)
def mine(request):
    """The signer's commitments, and a button to make this year's."""
    rows = list(selectors.my_commitments(user=request.user)[:100])
    person = person_of(request.user)
    headed = list(Department.objects.filter(head=person, active=True)) if person else []
    panels = extensions.panels(selectors.MY_COMMITMENTS, request, person=person) if person else []
    return render(
        request,
        "commitments/mine.html",
        {
            "rows": rows,
            "person": person,
            "headed": headed,
            "year": timezone.localdate().year,
            "panels": panels,
        },
    )


@role_required(*Role.ALL)
@require_POST
def generate(request):
    """Make (or refresh) this year's own commitment, or a headed department's."""
    year = timezone.localdate().year
    try:
        if request.POST.get("department"):
            person = person_of(request.user)
            department = (
                Department.objects.filter(
                    pk=_int(request.POST.get("department")), head=person
                ).first()
                if person
                else None
            )
            if department is None:
                raise Http404
            c = services.department_commitment_generate(
                actor=request.user, department=department, year=year
            )
        else:
            person = person_of(request.user)
            if person is None:
                raise Http404
            c = services.commitment_generate(actor=request.user, person=person, year=year)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("commitments:mine")
    messages.success(request, _("承诺书已按本人已备案的风险点和防控措施生成。"))
    return redirect("commitments:detail", c.pk)


def _int(value) -> int:
    try:
        return max(0, min(int(value), 2**62))
    except (TypeError, ValueError):
        return 0


@role_required(*REVIEWERS)
def queue(request):
    table = paginate(
        request,
        selectors.review_queue(user=request.user),
        sorts={
            "submitted": "submitted_at",
            "year": "year",
            "department": ("department__name", "submitted_at"),
        },
        default="submitted",
    )
    return render(request, "commitments/queue.html", {"table": table})


# the overview's list is built in memory (the roster, the post history and the commitments,
# four queries): sorted there by these keys
DUE_SORTS = {
    "staff_no": lambda r: (r.staff_no, r.person_id),
    "name": lambda r: (r.name, r.person_id),
    "department": lambda r: (r.department, r.staff_no),
    "status": lambda r: (r.status, r.staff_no),
    "due": lambda r: (r.due_on, r.staff_no),
}
STATUSES = (selectors.MISSING, selectors.STALE, selectors.IN_PROGRESS, selectors.SIGNED)


@role_required(*OFFICE)
def overview(request):
    """The office's view of a year: counts, and who has not signed (missing or stale)."""
    organisations = list(selectors.overview_organisations(request.user))
    if not organisations:
        raise Http404
    chosen = _int(request.GET.get("organisation"))
    organisation = next((o for o in organisations if o.pk == chosen), organisations[0])
    year = _year(request)
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    people = selectors.due_people([organisation.pk], year)
    counts = selectors.counts(people)
    departments = selectors.due_departments([organisation.pk], year)
    shown = [r for r in people if not status or r.status == status]
    raw = request.GET.get("sort", "staff_no")
    key = raw.lstrip("-") if raw.lstrip("-") in DUE_SORTS else "staff_no"
    descending = raw.startswith("-") and key == raw.lstrip("-")
    shown.sort(key=DUE_SORTS[key], reverse=descending)
    page = Paginator(shown, 30).get_page(request.GET.get("page"))
    labels = selectors.status_labels()
    for row in page.object_list:
        row.label = labels[row.status]
    for row in departments:
        row.label = labels[row.status]
    return render(
        request,
        "commitments/overview.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
            "status": status,
            "statuses": [(s, labels[s]) for s in STATUSES],
            "cards": [(s, labels[s], counts[s]) for s in STATUSES],
            "page_obj": page,
            "table": SimpleNamespace(sort_key=key, descending=descending),
            "departments": departments,
            "may_generate": services.may_generate(request.user, organisation),
        },
    )


@role_required(*OFFICE)
@require_POST
def generate_all(request):
    organisations = {o.pk: o for o in selectors.overview_organisations(request.user)}
    organisation = organisations.get(_int(request.POST.get("organisation")))
    if organisation is None:
        raise Http404
    year = _int(request.POST.get("year"))
    if not 2000 <= year <= timezone.localdate().year + 1:
        messages.error(request, _("年度无效。"))
        return redirect("commitments:overview")
    try:
        job = jobs.generate_enqueue(actor=request.user, organisation=organisation, year=year)
    except PermissionDenied:
        raise Http404 from None
    return redirect("core:job_detail", job.pk)


def _get(request, pk) -> Commitment:
    try:
        return selectors.commitment_get(user=request.user, pk=pk)
    except Commitment.DoesNotExist:
        raise Http404 from None


ACTIONS = {
    "update": lambda user, c, post: services.commitment_update(
        actor=user, commitment=c, personal=post.get("personal", "")
    ),
    "submit": lambda user, c, post: services.commitment_submit(actor=user, commitment=c),
    "approve": lambda user, c, post: services.commitment_approve(actor=user, commitment=c),
    "return": lambda user, c, post: services.commitment_return(
        actor=user, commitment=c, reason=post.get("reason", "")
    ),
    "sign": lambda user, c, post: services.commitment_sign(
        actor=user, commitment=c, password=post.get("password", "")
    ),
    "publish": lambda user, c, post: services.commitment_publish(actor=user, commitment=c),
    "unpublish": lambda user, c, post: services.commitment_publish(
        actor=user, commitment=c, published=False
    ),
    "report": lambda user, c, post: services.fulfilment_report(
        actor=user, commitment=c, reports=post.getlist("report")
    ),
    "accept": lambda user, c, post: services.fulfilment_check(
        actor=user, commitment=c, accept=True, note=post.get("note", "")
    ),
    "reject": lambda user, c, post: services.fulfilment_check(
        actor=user, commitment=c, accept=False, note=post.get("note", "")
    ),
}
DONE = {  # lazy: the message in the language of the page that acted
    "update": gettext_lazy("已保存补充承诺。"),
    "submit": gettext_lazy("已提交分管领导审核。"),
    "approve": gettext_lazy("已审核通过，待承诺人签署。"),
    "return": gettext_lazy("已退回承诺人。"),
    "sign": gettext_lazy("已签署。签署时间和内容摘要已记入审计日志。"),
    "publish": gettext_lazy("已在本单位内部公示。"),
    "unpublish": gettext_lazy("已撤销公示。"),
    "report": gettext_lazy("已报告履诺情况，待审核人核查。"),
    "accept": gettext_lazy("已核查通过履诺情况。"),
    "reject": gettext_lazy("已退回履诺报告。"),
}


@role_required(*Role.ALL)
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    commitment = _get(request, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        try:
            ACTIONS[action](request.user, commitment, request.POST)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, DONE[action])
        return redirect("commitments:detail", pk)
    user = request.user
    signer = services.is_signer(user, commitment)
    reviewer = services.is_reviewer(user, commitment)
    state = commitment.state
    titles = services.fulfilment_titles(commitment)
    return render(
        request,
        "commitments/detail.html",
        {
            "c": commitment,
            "may_edit": signer and state in services.EDITABLE,
            "may_review": reviewer and state == Commitment.State.SUBMITTED,
            "may_sign": signer and state == Commitment.State.REVIEWED,
            "may_publish": state == Commitment.State.SIGNED
            and services.may_generate(user, commitment.organisation),
            "may_report": signer
            and state == Commitment.State.SIGNED
            and commitment.fulfilment_state in ("", Commitment.Fulfilment.RETURNED),
            "may_check": reviewer and commitment.fulfilment_state == Commitment.Fulfilment.REPORTED,
            "titles": titles,
            "verified": services.verify_signature(commitment) if commitment.content_hash else None,
            "copies": documents.COPIES,
            "archived": documents.archived(commitment),
        },
    )


@role_required(*Role.ALL)
def docx(request, pk):
    commitment = _get(request, pk)
    copy = request.GET.get("copy", "signer")
    if copy not in documents.COPIES:
        copy = "signer"
    return documents.docx_response(commitment, copy)


@role_required(*Role.ALL)
def pdf(request, pk):
    commitment = _get(request, pk)
    copy = request.GET.get("copy", "signer")
    if copy not in documents.COPIES:
        copy = "signer"
    return documents.pdf_download(commitment, copy)


@role_required(*OFFICE)
@require_http_methods(["GET", "POST"])
def template(request):
    organisations = list(selectors.overview_organisations(request.user))
    if not organisations:
        raise Http404
    chosen = _int(request.GET.get("organisation") or request.POST.get("organisation"))
    organisation = next((o for o in organisations if o.pk == chosen), organisations[0])
    items, breach, owner = services.template_for(organisation)
    error = ""
    if request.method == "POST":
        titles = request.POST.getlist("title")
        texts = request.POST.getlist("text")
        posted = [{"title": t, "text": x} for t, x in zip(titles, texts, strict=False)]
        try:
            services.template_save(
                actor=request.user,
                organisation=organisation,
                items=posted,
                breach=request.POST.get("breach", ""),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            error = _error_text(exc)
            items, breach = posted, request.POST.get("breach", "")
        else:
            messages.success(request, _("承诺书模板已保存，此后生成的承诺书使用新模板。"))
            return redirect(reverse("commitments:template") + f"?organisation={organisation.pk}")
    rows = list(items) + [{"title": "", "text": ""}] * 2
    return render(
        request,
        "commitments/template.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "rows": rows,
            "breach": breach,
            "owner": owner,
            "error": error,
            "may_keep": services.may_keep_template(request.user, organisation),
        },
    )


@role_required(*Role.ALL)
def published(request):
    table = paginate(
        request,
        selectors.published(user=request.user),
        sorts={"published": "published_at", "year": "year"},
        default="-published",
    )
    return render(request, "commitments/published.html", {"table": table})
