"""Pages of the assessments module: the office's list, a new assessment with its evidence
picker, an assessment's page with its timeline and the office's decisions, the assessed
party's page (notice, signing, rectification), the notice as Word and PDF, the statistics."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core import documents, word
from lianfang.core.access import role_required
from lianfang.core.exports import record_export
from lianfang.core.models import WarningLevel
from lianfang.core.pages import form_page
from lianfang.core.roles import Role
from lianfang.core.tables import paginate, search_term
from lianfang.org.models import Department, Person

from . import accountability, selectors, services, word_forms
from .apps import OFFICE, READERS, WATCHERS
from .forms import AssessmentForm, PartyForm, RectificationForm, ReturnForm
from .models import Assessment, Rectification

LIST_ROLES = WATCHERS
STATS_ROLES = WATCHERS


def _visible(user, pk) -> Assessment:
    return get_object_or_404(
        selectors.assessments_visible_to(user).select_related(
            "organisation", "person", "department"
        ),
        pk=pk,
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(*LIST_ROLES)
def assessment_list(request):
    level = _int(request.GET.get("level"))
    filters = {
        "level": level if level in WarningLevel.values else None,
        "status": request.GET.get("status")
        if request.GET.get("status") in Assessment.Status.values
        else None,
        "subject": request.GET.get("subject")
        if request.GET.get("subject") in Assessment.Subject.values
        else None,
        "q": search_term(request.GET.get("q")),
    }
    table = paginate(
        request,
        selectors.assessment_list(user=request.user, filters=filters),
        sorts={
            "created": ("created_at", "id"),
            "level": ("level", "id"),
            "status": ("status", "id"),
            "due": ("due_on", "id"),
        },
        default="-created",
    )
    return render(
        request,
        "assessments/list.html",
        {
            "table": table,
            "filters": filters,
            "levels": WarningLevel.choices,
            "statuses": Assessment.Status.choices,
            "subjects": Assessment.Subject.choices,
            "may_create": selectors.is_office(request.user),
            "today": timezone.localdate(),
        },
    )


def _office_people(user):
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in selectors._grant_paths(user, OFFICE):
        q |= Q(organisation__path__startswith=path)
    return Person.objects.filter(q, active=True), Department.objects.filter(q, active=True)


@role_required(*OFFICE)
def assessment_create(request):
    people, departments = _office_people(request.user)
    party_form = PartyForm(request.GET or None, people=people, departments=departments)
    if not request.GET or not party_form.is_valid():
        return render(request, "assessments/create_party.html", {"party_form": party_form})
    person = party_form.cleaned_data.get("person")
    department = party_form.cleaned_data.get("department")
    party = person or department
    candidates = selectors.evidence_candidates(person=person, department=department)
    points = selectors.party_risk_points(person=person, department=department).order_by("name")
    form = AssessmentForm(request.POST or None, candidates=candidates, points=points)

    def save(data):
        findings = (data.get("findings") or "").splitlines()
        return services.assessment_create(
            actor=request.user,
            organisation=party.organisation,
            person=person,
            department=department,
            data=data,
            cite=data.get("cite") or [],
            findings=findings,
        )

    return form_page(
        request,
        form,
        save=save,
        success=_("评估已保存为草稿，核对后下达通知书。"),
        next_url=lambda saved: saved.get_absolute_url(),
        template="assessments/create.html",
        party=party,
        party_form=party_form,
    )


@role_required(*READERS)
def assessment_detail(request, pk):
    assessment = _visible(request.user, pk)
    user = request.user
    notices = list(assessment.notices.select_related("signed_by", "issued_by"))
    rectifications = list(
        assessment.rectifications.prefetch_related(
            Prefetch("measures"), "measures__owner_person", "measures__owner_department"
        ).select_related("submitted_by", "decided_by", "notice")
    )
    office = selectors.may_assess(user, assessment.organisation)
    party = selectors.is_assessed_party(user, assessment)
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "evidence": selectors.evidence_for(user, assessment),
            "risk_points": list(assessment.risk_points.all()),
            "notices": notices,
            "notice": notices[0] if notices else None,
            "rectifications": rectifications,
            "open_rectification": next(
                (r for r in rectifications if r.status == Rectification.Status.SUBMITTED), None
            ),
            "events": list(selectors.timeline(assessment)),
            "office": office,
            "party": party,
            "may_rectify": party
            and assessment.status in (Assessment.Status.ISSUED, Assessment.Status.RETURNED),
            "return_form": ReturnForm(),
            "today": timezone.localdate(),
        },
    )


def _act(request, assessment, action, success):
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(assessment.get_absolute_url())


@role_required(*OFFICE)
@require_POST
def assessment_issue(request, pk):
    assessment = _visible(request.user, pk)
    return _act(
        request,
        assessment,
        lambda: services.assessment_issue(actor=request.user, assessment=assessment),
        _("评估通知书已下达。"),
    )


@role_required(*READERS)
@require_POST
def notice_sign(request, pk):
    assessment = _visible(request.user, pk)
    notice = selectors.current_notice(assessment)
    if notice is None:
        raise PermissionDenied
    return _act(
        request,
        assessment,
        lambda: services.notice_sign(actor=request.user, notice=notice),
        _("已签收评估通知书。"),
    )


@role_required(*READERS)
def rectification_submit(request, pk):
    assessment = _visible(request.user, pk)
    if not selectors.is_assessed_party(request.user, assessment):
        raise PermissionDenied
    form = RectificationForm(request.POST or None, organisation=assessment.organisation)
    return form_page(
        request,
        form,
        save=lambda data: services.rectification_submit(
            actor=request.user, assessment=assessment, data=form.service_data()
        ),
        success=_("整改已提交，等待纪检监察部门审核。"),
        next_url=assessment.get_absolute_url(),
        template="assessments/rectify.html",
        assessment=assessment,
        notice=selectors.current_notice(assessment),
    )


@role_required(*OFFICE)
@require_POST
def rectification_accept(request, pk):
    assessment = _visible(request.user, pk)
    return _act(
        request,
        assessment,
        lambda: services.rectification_accept(actor=request.user, assessment=assessment),
        _("整改已通过，整改措施已纳入风险台账。"),
    )


@role_required(*OFFICE)
@require_POST
def rectification_return(request, pk):
    assessment = _visible(request.user, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写退回理由。"))
        return redirect(assessment.get_absolute_url())
    return _act(
        request,
        assessment,
        lambda: services.rectification_return(
            actor=request.user, assessment=assessment, reason=form.cleaned_data["reason"]
        ),
        _("整改已退回。"),
    )


def _notice_of(request, pk):
    assessment = _visible(request.user, pk)
    notice = selectors.current_notice(assessment)
    if notice is None:
        raise PermissionDenied
    return assessment, notice


@role_required(*READERS)
def notice_docx(request, pk):
    assessment, notice = _notice_of(request, pk)
    content = word_forms.notice_docx(notice)
    record_export(
        actor=request.user,
        action="assessments.notice.docx",
        what=_("评估通知书"),
        rows=1,
        organisation=assessment.organisation,
        notice=notice.number,
    )
    name = documents.download_name(
        _("评估通知书"), "assessment-notice", ext="docx", parts=(notice.number,)
    )
    return word.docx_response(content, name)


@role_required(*READERS)
def notice_pdf(request, pk):
    assessment, notice = _notice_of(request, pk)
    context = word_forms.notice_context(notice)
    pdf = documents.render_pdf("assessments/notice_pdf.html", {"n": context}, request=request)
    record_export(
        actor=request.user,
        action="assessments.notice.pdf",
        what=_("评估通知书"),
        rows=1,
        organisation=assessment.organisation,
        notice=notice.number,
    )
    return documents.file_response(
        pdf,
        documents.download_name(
            _("评估通知书"), "assessment-notice", ext="pdf", parts=(notice.number,)
        ),
        content_type="application/pdf",
    )


@role_required(*READERS)
def mine(request):
    assessments = list(selectors.own_assessments(request.user).order_by("-created_at")[:100])
    return render(request, "assessments/mine.html", {"assessments": assessments})


@role_required(*STATS_ROLES)
def statistics(request):
    this_year = timezone.localdate().year
    year = _int(request.GET.get("year"))
    if year not in range(2000, 2101):
        year = this_year
    data = selectors.statistics(user=request.user, year=year)
    chart = {
        "levels": [row["label"] for row in data["levels"]],
        "initial": [row["initial"] for row in data["levels"]],
        "now": [row["now"] for row in data["levels"]],
        "series": [_("初次结论"), _("当前结论")],
    }
    return render(
        request,
        "assessments/statistics.html",
        {
            "data": data,
            "chart": chart,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
        },
    )


# 述责述廉 (accountability.py) ---------------------------------------------------------------------


def _accountable(request, pk) -> Person:
    """The person whose report `request.user` may read, else 404."""
    person = get_object_or_404(Person.objects.select_related("organisation", "department"), pk=pk)
    if not accountability.may_read(request.user, person):
        raise Http404
    return person


@role_required(*Role.ALL)
def accountability_page(request, pk):
    """A person's 述责述廉 report for a year (`?year=`, this year by default)."""
    person = _accountable(request, pk)
    year = accountability.year_from(request.GET.get("year"))
    report = accountability.accountability_of(person=person, year=year)
    # a link only where the reader may open it (a leader opens a 亮牌, not a 提示)
    accountability.mark_readable(request.user, report)
    return render(
        request,
        "assessments/accountability.html",
        {"r": report, "years": accountability.years_of()},
    )


@role_required(*Role.ALL)
def accountability_docx(request, pk):
    """The same report as Word (core.word, form `assessments.accountability`)."""
    person = _accountable(request, pk)
    year = accountability.year_from(request.GET.get("year"))
    report = accountability.accountability_of(person=person, year=year)
    content = word_forms.accountability_docx(report)
    record_export(
        actor=request.user,
        action="assessments.accountability.docx",
        what=_("述责述廉报告"),
        rows=len(report["points"]),
        organisation=person.organisation,
        person=person.pk,
        year=year,
    )
    name = documents.download_name(
        _("述责述廉报告"), "accountability", ext="docx", parts=(person.name, year)
    )
    return word.docx_response(content, name)
