"""Pages of the satisfaction module: the patient's phone page (public), the results, the
flagged answers, the questionnaires, and the codes to print (QR, poster, slips)."""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lianfang.core import documents
from lianfang.core.access import public, role_required
from lianfang.core.client_address import client_address
from lianfang.core.roles import Role
from lianfang.core.scoping import write_reach
from lianfang.core.tables import Table, paginate
from lianfang.org.models import Department, Person
from lianfang.org.selectors import departments_visible_to, organisations_manageable_by

from . import qr, selectors, services
from .apps import OFFICE, READERS
from .forms import AnswerForm, ResultFilterForm, SlipForm
from .models import Questionnaire, Review
from .questionnaires import questionnaire_current, questionnaire_import

PRINTERS = (Role.ADMIN, Role.INTEGRITY, Role.DEPT_HEAD)
MANAGERS = (Role.ADMIN, Role.INTEGRITY)
# Answers one address may send in RATE_WINDOW seconds; counted in the cache only, under a
# hash of the address, for the window's length (nothing about the sender is stored).
RATE_LIMIT = 10
RATE_WINDOW = 600


def answer_url(request, department) -> str:
    return request.build_absolute_uri(reverse("satisfaction:answer", args=[department.pk]))


def _over_limit(request) -> bool:
    address = client_address(request) or "-"
    key = "satisfaction.rate:" + hashlib.sha256(address.encode()).hexdigest()[:24]
    if cache.add(key, 1, RATE_WINDOW):
        return False
    try:
        return cache.incr(key) > RATE_LIMIT
    except ValueError:  # expired between add and incr
        return False


@public
@require_http_methods(["GET", "POST"])
def answer(request, pk):
    """The patient's page: the department is fixed by the QR code, the code (if any) comes
    from the slip's QR (`?t=`) or is typed."""
    department = get_object_or_404(
        Department.objects.select_related("organisation"), pk=pk, active=True
    )
    questionnaire = questionnaire_current(department.organisation)
    if questionnaire is None:
        raise Http404
    people = selectors.staff_choices(department)
    code = services.normalise_code(request.GET.get("t", ""))[: services.TOKEN_LENGTH]
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        questionnaire=questionnaire,
        people=people,
        code=code,
    )
    context = {"department": department, "questionnaire": questionnaire, "form": form}
    if request.method == "POST":
        if _over_limit(request):
            context["refused"] = _("提交过于频繁，请稍后再试。")
            return render(request, "satisfaction/answer.html", context, status=429)
        if form.is_valid():
            person = None
            if form.cleaned_data["person"]:
                person = Person.objects.filter(
                    pk=form.cleaned_data["person"], department=department
                ).first()
            try:
                services.answer_submit(
                    department=department,
                    questionnaire=questionnaire,
                    scores=form.scores(),
                    comment=form.cleaned_data["comment"],
                    person=person,
                    code=form.cleaned_data["code"],
                )
            except services.TokenRefused as error:
                context["refused"] = error.messages[0]
                # A page, not an error status: the patient did nothing wrong by scanning twice.
                return render(request, "satisfaction/answer.html", context)
            except ValidationError as error:
                form.apply_service_errors(error)
            else:
                return render(request, "satisfaction/thanks.html", context)
    return render(request, "satisfaction/answer.html", context)


def _since(request):
    filters = ResultFilterForm(request.GET)
    months = filters.values.get("months") or 12
    return filters, months, selectors.month_start(months - 1)


RESULT_SORTS = {
    "rank": lambda s: (s.rank is None, s.rank or 0, s.label),
    "name": lambda s: s.label,
    "mean": lambda s: (s.mean is None, -(s.mean or 0)),
    "count": lambda s: -s.count,
}


def _table(request, stats, default="rank") -> Table:
    raw = request.GET.get("sort", default)
    key = raw.lstrip("-")
    if key not in RESULT_SORTS:
        key, raw = default, default
    descending = raw.startswith("-")
    rows = sorted(stats, key=RESULT_SORTS[key], reverse=descending)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return Table(page_obj=page, sort_key=key, descending=descending)


@role_required(*READERS)
def results(request):
    filters, months, since = _since(request)
    stats = selectors.department_results(user=request.user, since=since)
    answers = selectors.answers_visible_to(request.user)
    org_ids = {s.obj.organisation_id for s in stats}
    trend = selectors.monthly(answers, organisation_ids=org_ids, since=selectors.month_start(11))
    return render(
        request,
        "satisfaction/results.html",
        {
            "table": _table(request, stats),
            "filters": filters,
            "months": months,
            "chart": selectors.trend_chart(trend),
            "total": sum(s.count for s in stats),
            "flagged": sum(s.flagged for s in stats),
        },
    )


def _department(request, pk):
    return get_object_or_404(
        selectors.departments_in_reach(request.user).select_related("organisation", "head"),
        pk=pk,
    )


@role_required(*READERS)
def department(request, pk):
    dept = _department(request, pk)
    filters, months, since = _since(request)
    people = selectors.person_results(department=dept, since=since)
    trend = selectors.monthly(
        dept.satisfaction_answers.all(),
        organisation_ids=[dept.organisation_id],
        since=selectors.month_start(11),
    )
    comments = selectors.comments_of(department=dept, since=since)
    recent = list(comments.order_by("-submitted_at").values_list("comment", flat=True)[:500])
    return render(
        request,
        "satisfaction/department.html",
        {
            "dept": dept,
            "filters": filters,
            "months": months,
            "total": selectors.department_total(department=dept, since=since),
            "people": _table(request, people),
            "chart": selectors.trend_chart(trend),
            "keywords": selectors.keywords(recent),
            "comments": paginate(
                request, comments, sorts={"time": "submitted_at"}, default="-time"
            ),
            "answer_url": answer_url(request, dept),
            "may_print": request.user.has_any_role(PRINTERS),
            # A leader reads every department's results, but opens only some departments' pages.
            "org_page": departments_visible_to(request.user).filter(pk=dept.pk).exists(),
            "slip_form": SlipForm(),
        },
    )


@role_required(*PRINTERS)
def qr_svg(request, pk):
    dept = _department(request, pk)
    return HttpResponse(qr.svg(answer_url(request, dept)), content_type="image/svg+xml")


@role_required(*PRINTERS)
def qr_png(request, pk):
    dept = _department(request, pk)
    return documents.file_response(
        qr.png(answer_url(request, dept)), f"{dept.name}-满意度二维码.png", "image/png"
    )


@role_required(*PRINTERS)
def poster(request, pk):
    """An A5 poster for the department's wall: the QR code and how to answer."""
    dept = _department(request, pk)
    url = answer_url(request, dept)
    pdf = documents.render_pdf(
        "satisfaction/poster_pdf.html",
        {"dept": dept, "svg": qr.svg(url), "url": url},
        page_size="A5",
    )
    return documents.pdf_response(pdf, f"{dept.name}-满意度评价海报.pdf")


@role_required(*PRINTERS)
@require_POST
def slips(request, pk):
    """Printed slips, each a one-time code and its QR (for counters without the HIS)."""
    dept = _department(request, pk)
    form = SlipForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("打印数量须为 1 至 500。"))
        return redirect("satisfaction:department", pk=dept.pk)
    issued = services.tokens_issue(
        actor=request.user, department=dept, count=form.cleaned_data["count"]
    )
    base = answer_url(request, dept)
    slips = [
        {"code": services.format_code(code), "svg": qr.svg(f"{base}?t={code}")}
        for code, _token in issued
    ]
    pdf = documents.render_pdf("satisfaction/slips_pdf.html", {"dept": dept, "slips": slips})
    return documents.pdf_response(pdf, f"{dept.name}-满意度评价码.pdf")


REVIEW_FILTERS = {"": Review.PENDING, "cleared": Review.CLEARED, "confirmed": Review.CONFIRMED}


@role_required(*OFFICE)
def flagged(request):
    """The answers flagged as possible stuffing, for the integrity office to look into: those
    waiting for review by default, or those it cleared or confirmed."""
    review = request.GET.get("review", "")
    if review not in REVIEW_FILTERS and review != "all":
        review = ""
    table = paginate(
        request,
        selectors.flagged_visible_to(
            request.user, None if review == "all" else REVIEW_FILTERS[review]
        ).select_related("department", "organisation", "person", "reviewed_by"),
        sorts={"time": "submitted_at", "department": ("department__name", "submitted_at")},
        default="-time",
    )
    reach = write_reach(request.user.active_grants, OFFICE)
    rows = list(table.rows)
    for answer in rows:
        answer.can_review = reach.covers(answer.organisation.path)
    return render(
        request,
        "satisfaction/flagged.html",
        {
            "table": table,
            "rows": rows,
            "review": review,
            "reviews": [
                ("", _("待核查")),
                ("cleared", _("已解除存疑")),
                ("confirmed", _("确认存疑")),
                ("all", _("全部")),
            ],  # fmt: skip
            "can_review": any(a.can_review for a in rows),
            "next": request.get_full_path(),
        },
    )


@role_required(*OFFICE)
@require_POST
def flagged_review(request):
    """Clear or confirm the flags of the answers ticked on the list, with a reason."""
    ids = [pk for pk in request.POST.getlist("answer") if pk.isdigit()]
    visible = selectors.flagged_visible_to(request.user)
    answers = list(visible.filter(pk__in=ids))
    if len(answers) != len(set(ids)):
        raise Http404
    try:
        n = services.answers_review(
            actor=request.user,
            answers=answers,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已核查 %(n)s 份评价。") % {"n": n})
    target = request.POST.get("next", "")
    if not target.startswith(reverse("satisfaction:flagged")):
        target = reverse("satisfaction:flagged")
    return redirect(target)


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def questionnaires(request):
    organisations = organisations_manageable_by(request.user)
    if request.method == "POST":
        organisation = organisations.filter(pk=request.POST.get("organisation") or 0).first()
        if organisation is None:
            raise Http404
        questionnaire, created = questionnaire_import(actor=request.user, organisation=organisation)
        if created:
            messages.success(request, _("已导入标准问卷“%(q)s”。") % {"q": questionnaire})
        else:
            messages.info(request, _("该单位已有此版本的标准问卷，未作修改。"))
        return redirect("satisfaction:questionnaires")
    rows = (
        Questionnaire.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .order_by("organisation__path", "code", "-version")
    )
    return render(
        request,
        "satisfaction/questionnaires.html",
        {"rows": rows, "organisations": organisations.order_by("path")},
    )
