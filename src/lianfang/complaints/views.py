"""Pages of the complaints module: the public intake and receipt pages (no login, phone
first; their requests carry no address nor browser, middleware.py) and the office's pages.
"""

import secrets

from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core import documents, workdays
from lianfang.core.access import public, role_required
from lianfang.core.pages import NOT_SAVED, save_form
from lianfang.core.roles import Role
from lianfang.core.scoping import acting_organisation
from lianfang.org.models import Organisation

from . import deadlines, files, forms, selectors, services, throttle
from .models import Channel, Complaint, File, Officer, State

ANYONE = Role.ALL
RECEIPT_COOKIE = "lf_receipt"
RECEIPT_SALT = "lianfang.complaints.receipt"
RECEIPT_AGE = 30 * 60  # a reporter's visit: 30 minutes, then the code again
PRINT_AGE = 10 * 60


# The public side ------------------------------------------------------------------------------


def _organisations():
    return Organisation.objects.order_by("path")


@public
def report_index(request):
    organisations = list(_organisations().only("pk", "name", "code"))
    if len(organisations) == 1:
        return redirect("complaints:report_new", code=organisations[0].code)
    return render(request, "complaints/report_index.html", {"organisations": organisations})


def _intake(request, organisation, form, *, channel, actor, template, **context):
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: services.complaint_file(
                actor=actor,
                organisation=organisation,
                data=data,
                uploads=data.get("uploads") or (),
                channel=data.get("channel") or channel,
            ),
            _("已提交。"),
        )
        if saved is not NOT_SAVED:
            complaint, code = saved
            list(messages.get_messages(request))  # the receipt page says it
            token = ""
            if complaint.entered_by_id:
                token = secrets.token_urlsafe(24)
                cache.set(f"complaints:print:{token}", (complaint.pk, code), PRINT_AGE)
            return render(
                request,
                "complaints/receipt_issued.html",
                {"complaint": complaint, "code": code, "print_token": token},
            )
    return render(request, template, {"form": form, "organisation": organisation, **context})


@public
def report_new(request, code):
    organisation = get_object_or_404(Organisation, code=code)
    form = forms.ComplaintForm(
        request.POST or None, request.FILES or None, organisation=organisation
    )
    return _intake(
        request,
        organisation,
        form,
        channel=Channel.ONLINE,
        actor=None,
        template="complaints/report_form.html",
    )


def _reporter_complaint(request) -> Complaint | None:
    raw = request.COOKIES.get(RECEIPT_COOKIE)
    if not raw:
        return None
    try:
        pk = signing.loads(raw, salt=RECEIPT_SALT, max_age=RECEIPT_AGE)
    except signing.BadSignature:
        return None
    return Complaint.objects.select_related("organisation").filter(pk=pk).first()


@public
def receipt_lookup(request):
    form = forms.ReceiptForm(request.POST or None)
    client = getattr(request, "complaints_client_key", "")
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        from .receipts import prefix_of

        prefix = prefix_of(code)
        if throttle.blocked(client, prefix):
            form.add_error(None, _("尝试次数过多，请 15 分钟后再试。"))
        else:
            complaint = services.complaint_by_receipt(code)
            if complaint is None:
                throttle.failed(client, prefix)
                form.add_error("code", _("回执码不正确。请核对后重新输入。"))
            else:
                response = redirect("complaints:receipt_case")
                response.set_cookie(
                    RECEIPT_COOKIE,
                    signing.dumps(complaint.pk, salt=RECEIPT_SALT),
                    max_age=RECEIPT_AGE,
                    path="/complaints/receipt/",
                    secure=request.is_secure(),
                    httponly=True,
                    samesite="Strict",
                )
                return response
    return render(request, "complaints/receipt_lookup.html", {"form": form})


@public
def receipt_case(request):
    complaint = _reporter_complaint(request)
    if complaint is None:
        return redirect("complaints:receipt_lookup")
    form = forms.ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        saved = save_form(
            request,
            form,
            lambda data: services.complaint_reporter_reply(
                complaint=complaint, body=data["body"], uploads=data.get("uploads") or ()
            ),
            _("已提交。"),
        )
        if saved is not NOT_SAVED:
            return redirect("complaints:receipt_case")
    return render(
        request,
        "complaints/receipt_case.html",
        {
            "complaint": complaint,
            "messages_list": complaint.messages.all(),
            "files_count": complaint.files.count(),
            "form": form,
        },
    )


@public
@require_POST
def receipt_leave(request):
    response = redirect("complaints:receipt_lookup")
    response.delete_cookie(RECEIPT_COOKIE, path="/complaints/receipt/")
    return response


# Inside: filing and entering -----------------------------------------------------------------


@role_required(*ANYONE)
def staff_new(request):
    organisation = acting_organisation(request.user)
    if organisation is None:
        raise Http404
    form = forms.ComplaintForm(
        request.POST or None, request.FILES or None, organisation=organisation, staff=True
    )
    # Anonymous from inside is anonymous: the account is not recorded (channel STAFF).
    return _intake(
        request,
        organisation,
        form,
        channel=Channel.STAFF,
        actor=None,
        template="complaints/report_form.html",
        inside=True,
    )


@role_required(*ANYONE)
def enter(request):
    orgs = selectors.duty_org_ids(request.user, Officer.Duty.LEAD) | selectors.duty_org_ids(
        request.user, Officer.Duty.HANDLER
    )
    organisation = Organisation.objects.filter(pk__in=orgs).order_by("path").first()
    if organisation is None:
        raise PermissionDenied
    form = forms.EnteredComplaintForm(
        request.POST or None, request.FILES or None, organisation=organisation, staff=True
    )
    return _intake(
        request,
        organisation,
        form,
        channel=Channel.LETTER,
        actor=request.user,
        template="complaints/report_form.html",
        inside=True,
        entering=True,
    )


@role_required(*ANYONE)
def receipt_print(request, token):
    entry = cache.get(f"complaints:print:{token}")
    if entry is None:
        raise Http404
    pk, code = entry
    complaint = Complaint.objects.filter(pk=pk, entered_by=request.user).first()
    if complaint is None:
        raise Http404
    cache.delete(f"complaints:print:{token}")  # printed once: the code then exists on paper only
    pdf = documents.render_pdf(
        "complaints/receipt_print.html",
        {"complaint": complaint, "code": code, "lookup_path": reverse("complaints:receipt_lookup")},
    )
    return documents.pdf_response(pdf, f"{complaint.reference}-回执.pdf")


# The office ------------------------------------------------------------------------------------


def _get(request, pk) -> Complaint:
    try:
        return selectors.complaint_get(user=request.user, pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None


@role_required(*ANYONE)
def complaint_list(request):
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    complaints = list(selectors.complaint_list(user=request.user, state=state)[:500])
    return render(
        request,
        "complaints/list.html",
        {
            "complaints": complaints,
            "states": State.choices,
            "state": state,
            "is_officer": selectors.is_officer(request.user),
            "is_lead": bool(selectors.duty_org_ids(request.user, Officer.Duty.LEAD)),
            "today": workdays.today(),
        },
    )


@role_required(*ANYONE)
def due(request):
    today = workdays.today()
    _monday, sunday = deadlines.week_bounds(today)
    complaints = list(
        selectors.complaint_list(user=request.user, due_before=sunday).order_by("due_on")
    )
    return render(
        request,
        "complaints/due.html",
        {"complaints": complaints, "today": today, "week_end": sunday},
    )


@role_required(*ANYONE)
def detail(request, pk):
    complaint = _get(request, pk)
    user = request.user
    lead = selectors.is_lead_of(user, complaint)
    assigned = selectors.is_assigned(user, complaint)
    identity = None
    if request.method == "POST" and request.POST.get("reveal"):
        try:
            identity = services.identity_reveal(actor=user, complaint=complaint)
        except PermissionDenied:
            raise Http404 from None
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "lead": lead,
            "assigned": assigned,
            "handlers": [
                a.handler for a in complaint.assignments.current().select_related("handler")
            ],
            "messages_list": complaint.messages.all(),
            "notes": complaint.notes.select_related("author"),
            "events": complaint.events.all(),
            "files": complaint.files.all(),
            "assign_form": forms.AssignForm(handlers=services.assignable_handlers(complaint))
            if lead
            else None,
            "identity_requests": complaint.identity_requests.filter(requester=user),
            "identity_approved": selectors.identity_visible(user, complaint),
            "identity": identity,
            "text_form": forms.TextForm(),
            "reject_form": forms.RejectForm(),
            "transfer_form": forms.TransferForm(),
            "handle_form": forms.HandleForm(),
            "conclude_form": forms.ConcludeForm(),
            "reason_form": forms.ReasonForm(),
        },
    )


def _action(request, pk, form_class, call, success, form_kwargs=None):
    complaint = _get(request, pk)
    form = form_class(request.POST, **(form_kwargs(complaint) if form_kwargs else {}))
    if form.is_valid():
        try:
            call(complaint, form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, success)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("complaints:detail", pk=complaint.pk)


class _Empty(forms.forms.Form):
    pass


@role_required(*ANYONE)
@require_POST
def act(request, pk, action):
    u = request.user
    table = {
        "accept": (
            _Empty,
            lambda c, d: services.complaint_accept(actor=u, complaint=c),
            _("已受理。"),
        ),
        "reject": (
            forms.RejectForm,
            lambda c, d: services.complaint_reject(actor=u, complaint=c, reason=d["reason"]),
            _("已决定不予受理。"),
        ),
        "transfer": (
            forms.TransferForm,
            lambda c, d: services.complaint_transfer(
                actor=u, complaint=c, to=d["to"], reason=d["reason"]
            ),
            _("已转办。"),
        ),
        "handle": (
            forms.HandleForm,
            lambda c, d: services.complaint_handle(
                actor=u, complaint=c, handling_type=d["handling_type"]
            ),
            _("已确定处置方式。"),
        ),
        "conclude": (
            forms.ConcludeForm,
            lambda c, d: services.complaint_conclude(
                actor=u, complaint=c, finding=d["finding"], conclusion=d["conclusion"]
            ),
            _("已办结。"),
        ),
        "feedback": (
            forms.TextForm,
            lambda c, d: services.complaint_feedback(actor=u, complaint=c, text=d["body"]),
            _("已向举报人反馈。"),
        ),
        "archive": (
            _Empty,
            lambda c, d: services.complaint_archive(actor=u, complaint=c),
            _("已归档。"),
        ),
        "extend": (
            forms.ReasonForm,
            lambda c, d: services.complaint_extend(actor=u, complaint=c, reason=d["reason"]),
            _("已延长办理期限。"),
        ),
        "message": (
            forms.TextForm,
            lambda c, d: services.message_send(actor=u, complaint=c, body=d["body"]),
            _("留言已发送。"),
        ),
        "note": (
            forms.TextForm,
            lambda c, d: services.note_add(actor=u, complaint=c, body=d["body"]),
            _("已添加备注。"),
        ),
        "identity": (
            forms.ReasonForm,
            lambda c, d: services.identity_request(actor=u, complaint=c, reason=d["reason"]),
            _("已提交申请，等待保管人审批。"),
        ),
    }
    if action == "assign":
        return _action(
            request,
            pk,
            forms.AssignForm,
            lambda c, d: services.complaint_assign(actor=u, complaint=c, handler=d["handler"]),
            _("已指派承办人。"),
            form_kwargs=lambda c: {"handlers": services.assignable_handlers(c)},
        )
    if action not in table:
        raise Http404
    form_class, call, success = table[action]
    return _action(request, pk, form_class, call, success)


@role_required(*ANYONE)
def file_download(request, pk, file_pk):
    complaint = _get(request, pk)
    file = get_object_or_404(File, pk=file_pk, complaint=complaint)
    original = request.GET.get("original") == "1"
    data = files.content(file, original=original)
    name = file.name if original or not file.clean_path else f"clean-{file.name}"
    return documents.file_response(data, name, file.mime_type)


@role_required(Role.INTEGRITY)
def identity_requests(request):
    return render(
        request,
        "complaints/identity_requests.html",
        {"requests": selectors.identity_requests_for_custodian(user=request.user)},
    )


@role_required(Role.INTEGRITY)
@require_POST
def identity_decide(request, pk):
    req = get_object_or_404(selectors.identity_requests_for_custodian(user=request.user), pk=pk)
    try:
        services.identity_decide(
            actor=request.user, request=req, approve=request.POST.get("approve") == "1"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("已审批。"))
    return redirect("complaints:identity_requests")


# The system administrator sees who the officers are; only the security administrator
# designates them (三员分立: services.officer_grant refuses anyone else).
@role_required(Role.ADMIN, Role.SECURITY)
def officers(request):
    from lianfang.accounts.models import User

    paths = [
        g.organisation.path
        for g in request.user.active_grants
        if g.role in (Role.ADMIN, Role.SECURITY)
    ]
    organisations = Organisation.objects.none()
    for path in paths:
        organisations |= Organisation.objects.filter(path__startswith=path)
    form = forms.OfficerForm(
        request.POST or None,
        organisations=organisations,
        users=User.objects.filter(is_active=True, role_grants__organisation__in=organisations)
        .distinct()
        .order_by("username"),
        duties=Officer.Duty.choices,
    )
    if request.method == "POST":
        if request.POST.get("revoke"):
            officer = get_object_or_404(
                Officer, pk=request.POST["revoke"], organisation__in=organisations
            )
            try:
                services.officer_revoke(actor=request.user, officer=officer)
            except PermissionDenied:
                messages.error(request, _("只有安全管理员可以指定或取消办理人员。"))
                return redirect("complaints:officers")
            messages.success(request, _("已取消。"))
            return redirect("complaints:officers")
        if not request.user.has_any_role((Role.SECURITY,)):
            raise PermissionDenied
        saved = save_form(
            request,
            form,
            lambda d: services.officer_grant(
                actor=request.user, organisation=d["organisation"], user=d["user"], duty=d["duty"]
            ),
            _("已指定。"),
        )
        if saved is not NOT_SAVED:
            return redirect("complaints:officers")
    return render(
        request,
        "complaints/officers.html",
        {
            "form": form,
            "officers": Officer.objects.filter(organisation__in=organisations).select_related(
                "organisation", "user"
            ),
        },
    )


@role_required(*ANYONE)
def statistics(request):
    from lianfang.core.exports import record_export

    from . import statistics as stats

    if not selectors.duty_org_ids(request.user, Officer.Duty.LEAD):
        raise PermissionDenied
    years = stats.years_of(request.user)
    try:
        year = int(request.GET.get("year") or years[0])
    except ValueError:
        year = years[0]
    data = stats.statistics(request.user, year)
    sections = [
        ("category", _("按类别")),
        ("channel", _("按渠道")),
        ("department", _("按被反映科室")),
        ("finding", _("按结论")),
        ("month", _("按月份")),
    ]
    if request.GET.get("format") == "xlsx":
        import io

        from lianfang.core import spreadsheets

        columns = [
            spreadsheets.Column("dimension", _("统计维度"), 16),
            spreadsheets.Column("item", _("项目"), 30),
            spreadsheets.Column("count", _("件数"), 10),
        ]
        out = io.BytesIO()
        rows = 0
        with spreadsheets.SheetWriter(out) as book:
            sheet = book.sheet(_("投诉举报统计"), columns)
            for key, label in sections:
                for item, count in data[key]:
                    sheet.row([str(label), item, count])
                    rows += 1
            sheet.row([str(_("办理用时")), str(_("平均天数")), data["mean_days"] or ""])
            sheet.row([str(_("期限")), str(_("按期完成（%）")), data["deadlines_share"] or ""])
        record_export(
            actor=request.user,
            action="complaint.statistics_export",
            what=str(_("投诉举报统计")),
            rows=rows,
            query=f"year={year}",
        )
        return documents.file_response(
            out.getvalue(), f"投诉举报统计-{year}.xlsx", documents.XLSX_CONTENT_TYPE
        )
    return render(
        request,
        "complaints/statistics.html",
        {
            "data": data,
            "year": year,
            "years": years,
            "sections": [(key, label, data[key]) for key, label in sections],
            "chart": {
                "months": [m for m, _n in data["month"]],
                "counts": [n for _m, n in data["month"]],
                "categories": [c for c, _n in data["category"]],
                "category_counts": [n for _c, n in data["category"]],
            },
        },
    )
