"""The handling workflow (纪检监察机关处理检举控告工作规则) and the custodian's gate on identity."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.complaints import services
from lianfang.complaints.models import IdentityRequest, Officer, State
from lianfang.core.models import AuditEvent
from lianfang.core.roles import Role
from tests.factories import make_user


def test_the_whole_way_from_registration_to_archive(login, office):
    complaint, code = office.file()
    assert complaint.state == State.REGISTERED and complaint.due_on
    lead = login(office.lead)
    detail = reverse("complaints:detail", args=[complaint.pk])
    act = lambda action, **data: lead.post(  # noqa: E731
        reverse("complaints:act", args=[complaint.pk, action]), data
    )
    act("accept")
    act("assign", handler=office.handler.pk)
    handler = login(office.handler)
    post = lambda action, **data: handler.post(  # noqa: E731
        reverse("complaints:act", args=[complaint.pk, action]), data
    )
    post("handle", handling_type="verify")
    post("message", body="请提供时间")
    post("note", body="内部记录")
    post("conclude", finding="partly", conclusion="部分属实，已处理")
    post("feedback", body="经核实部分属实，已作处理。")
    complaint.refresh_from_db()
    assert complaint.state == State.FEEDBACK and complaint.finding == "partly"
    lead = login(office.lead)
    lead.post(reverse("complaints:act", args=[complaint.pk, "archive"]))
    complaint.refresh_from_db()
    assert complaint.state == State.ARCHIVED and complaint.due_on is None
    events = list(complaint.events.values_list("type", flat=True))
    assert events == [
        "filed", "accept", "assigned", "handle", "message", "conclude", "feedback", "archive",
    ]  # fmt: skip
    assert lead.get(detail).status_code == 200
    actions = set(
        AuditEvent.objects.filter(object_type="complaints.complaint").values_list(
            "action", flat=True
        )
    )
    assert {"complaint.file", "complaint.accept", "complaint.conclude"} <= actions
    # No audit event carries content.
    for event in AuditEvent.objects.filter(object_type="complaints.complaint"):
        text = repr((event.before, event.after, event.object_repr))
        assert "部分属实，已处理" not in text and "收了红包" not in text


def test_reject_and_transfer_need_the_lead_and_a_reason(office):
    complaint, _code = office.file()
    with pytest.raises(PermissionDenied):
        services.complaint_reject(actor=office.handler, complaint=complaint, reason="x")
    with pytest.raises(ValidationError):
        services.complaint_reject(actor=office.lead, complaint=complaint, reason=" ")
    services.complaint_transfer(actor=office.lead, complaint=complaint, to="区卫健委")
    complaint.refresh_from_db()
    assert complaint.state == State.TRANSFERRED
    assert complaint.messages.get().body.endswith("区卫健委 办理。")


def test_a_handler_cannot_skip_a_step(office):
    complaint, _code = office.file()
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    with pytest.raises(ValidationError):
        services.complaint_conclude(
            actor=office.handler, complaint=complaint, finding="true", conclusion="x"
        )


def test_the_identity_is_hidden_until_a_custodian_approves(login, office):
    complaint, _code = office.file(anonymous=False, reporter_name="钱某", reporter_phone="139")
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    client = login(office.handler)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "钱某" not in page
    with pytest.raises(PermissionDenied):
        services.identity_reveal(actor=office.handler, complaint=complaint)
    request = services.identity_request(
        actor=office.handler, complaint=complaint, reason="需要当面核实"
    )
    # Not the handler, not the lead: only a custodian decides.
    for user in (office.handler, office.lead):
        with pytest.raises(PermissionDenied):
            services.identity_decide(actor=user, request=request, approve=True)
    custodian = login(office.custodian)
    listing = custodian.get(reverse("complaints:identity_requests")).content.decode()
    assert complaint.reference in listing and "收了红包" not in listing
    custodian.post(reverse("complaints:identity_decide", args=[request.pk]), {"approve": "1"})
    request.refresh_from_db()
    assert request.decision == IdentityRequest.Decision.APPROVED
    client = login(office.handler)
    page = client.post(reverse("complaints:detail", args=[complaint.pk]), {"reveal": "1"})
    assert "钱某" in page.content.decode()
    actions = list(
        AuditEvent.objects.filter(action__startswith="complaint.identity")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "complaint.identity_request", "complaint.identity_decide", "complaint.identity_read",
    ]  # fmt: skip


def test_a_refused_request_reveals_nothing(office):
    complaint, _code = office.file(anonymous=False, reporter_name="钱某")
    services.complaint_accept(actor=office.lead, complaint=complaint)
    services.complaint_assign(actor=office.lead, complaint=complaint, handler=office.handler)
    request = services.identity_request(actor=office.handler, complaint=complaint, reason="r")
    services.identity_decide(actor=office.custodian, request=request, approve=False)
    with pytest.raises(PermissionDenied):
        services.identity_reveal(actor=office.handler, complaint=complaint)


def test_an_anonymous_report_keeps_no_identity_even_if_typed(office):
    complaint, _code = office.file(anonymous=True, reporter_name="钱某", reporter_phone="139")
    assert complaint.reporter_name == "" and complaint.reporter_phone == ""
    assert not complaint.sms_opt_in


def test_only_the_security_administrator_designates_officers(office):
    hospital = office.world.hospital
    with pytest.raises(PermissionDenied):
        services.officer_grant(
            actor=office.world.users["admin"], organisation=hospital,
            user=office.world.users["admin"], duty=Officer.Duty.LEAD,
        )  # fmt: skip
    admin = make_user("admin2", (Role.ADMIN, hospital))
    with pytest.raises(ValidationError):
        services.officer_grant(
            actor=office.security, organisation=hospital, user=admin, duty=Officer.Duty.LEAD
        )


def test_staff_enter_a_letter_and_print_the_receipt_once(login, office):
    client = login(office.lead)
    response = client.post(
        reverse("complaints:enter"),
        {
            "channel": "letter",
            "received_on": "2026-11-02",
            "category": "charges",
            "anonymous": "0",
            "reporter_name": "来信人",
            "content": "来信反映多收费",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    complaint = response.context["complaint"]
    assert complaint.channel == "letter" and complaint.entered_by == office.lead
    token = response.context["print_token"]
    pdf = client.get(reverse("complaints:receipt_print", args=[token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(reverse("complaints:receipt_print", args=[token])).status_code == 404


def test_a_staff_member_reporting_anonymously_is_not_linked_to_the_account(login, office):
    client = login(
        office.world.users["colleague"]
        if "colleague" in office.world.users
        else office.world.users["dept_head"]
    )
    response = client.post(
        reverse("complaints:staff_new"),
        {"category": "ethics", "anonymous": "1", "content": "科室乱象"},
    )
    complaint = response.context["complaint"]
    assert complaint.channel == "staff" and complaint.entered_by is None
    event = AuditEvent.objects.get(action="complaint.file")
    assert event.actor_id is None and event.actor_label == "reporter"


def test_the_portal_column_leads_to_intake_and_receipt(rf, world):
    from lianfang.portal import columns

    kind = columns.kind_of("complaints")
    column = type("Column", (), {"name": "投诉举报"})()
    response = kind.view(rf.get("/"), organisation=world.hospital, column=column)
    page = response.content.decode()
    assert reverse("complaints:report_new", args=[world.hospital.code]) in page
    assert reverse("complaints:receipt_lookup") in page
    assert kind.latest(organisation=world.hospital, column=column, limit=5) == []


def test_statistics_count_without_content_and_export_to_excel(login, office):
    import io

    import openpyxl

    complaint, _code = office.file(content="SENTINEL-STAT 内容", subject_text="SENTINEL-STAT")
    services.complaint_accept(actor=office.lead, complaint=complaint)
    office.file(category="charges")
    client = login(office.lead)
    page = client.get(reverse("complaints:statistics"))
    assert page.status_code == 200
    data = page.context["data"]
    assert data["total"] == 2
    assert dict(data["category"]) == {"违规收受红包回扣": 1, "收费问题": 1}
    assert data["deadlines_due"] == 1 and data["deadlines_share"] == 100.0
    assert "SENTINEL-STAT" not in page.content.decode()
    export = client.get(reverse("complaints:statistics"), {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    text = repr([list(r) for r in book.active.iter_rows(values_only=True)])
    assert "违规收受红包回扣" in text and "SENTINEL-STAT" not in text
    assert "张医生" not in text
    # Handlers and other roles get no statistics.
    assert login(office.handler).get(reverse("complaints:statistics")).status_code == 403
