"""The flows' API: an OA system driving a flow end to end with its token, people using their
session, and 404s that change nothing."""

import pytest
from rest_framework.test import APIClient

from lianfang.accounts import api_tokens
from lianfang.accounts import services as account_services
from lianfang.core.models import AuditEvent
from lianfang.core.roles import Role
from lianfang.flows.models import Instance, Task

from .flowkit import purchase, ready, start

pytestmark = pytest.mark.django_db


def session(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def oa(world):
    """The OA system: a service account with the administrator role on the hospital and a token."""
    admin = world.users["admin"]
    account = api_tokens.service_account_create(
        actor=admin, username="oa-system", organisation=world.hospital
    )
    account_services.role_grant(
        actor="cli:test", user=account, role=Role.ADMIN, organisation=world.hospital
    )
    key = api_tokens.api_token_issue(actor=admin, user=account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.account = account
    return client


def test_an_oa_system_drives_a_flow_end_to_end(world, oa):
    definition = purchase(world).definition
    listed = oa.get("/api/flows/definitions/").json()
    assert [d["code"] for d in listed] == ["test_purchase"]
    assert {f["name"] for f in listed[0]["fields"]} >= {"item", "amount"}

    started = oa.post(
        "/api/flows/instances/",
        {
            "definition": definition.pk,
            "on_behalf_of": "0102",  # 张医生 applies through the OA
            "data": {"item": "心电监护仪", "amount": "15万", "method": "询价"},
        },
        format="json",
    )
    assert started.status_code == 201, started.json()
    body = started.json()
    assert body["applicant"] == "张医生" and body["state"] == "running"
    assert body["data"]["amount"] == "150000.00"
    [head] = [t for t in body["tasks"] if t["state"] == "ready"]
    assert head["assignee"] == "李主任"

    # the department head approves in the OA; the OA relays it
    acted = oa.post(
        f"/api/flows/tasks/{head['id']}/act/",
        {"action": "approve", "reason": "同意", "on_behalf_of": "0101"},
        format="json",
    )
    assert acted.status_code == 200, acted.json()
    [leader] = [t for t in acted.json()["tasks"] if t["state"] == "ready"]
    assert leader["bpmn_id"] == "leader" and leader["is_control_point"]

    # relaying the act of someone who is not the handler is a 404
    assert (
        oa.post(
            f"/api/flows/tasks/{leader['id']}/act/",
            {"action": "approve", "on_behalf_of": "0101"},
            format="json",
        ).status_code
        == 404
    )
    done = oa.post(
        f"/api/flows/tasks/{leader['id']}/act/",
        {"action": "approve", "on_behalf_of": "0001", "expected_version": 1},
        format="json",
    )
    assert done.status_code == 200, done.json()
    instance = oa.get(f"/api/flows/instances/{body['id']}/").json()
    assert instance["state"] == "completed"
    kinds = [e["kind"] for e in instance["events"]]
    assert kinds == ["started", "arrived", "approved", "arrived", "approved", "completed"]
    assert instance["events"][2]["data"]["via"] == "oa-system"
    task = Task.objects.get(pk=head["id"])
    assert task.completed_by == world.users["dept_head"]
    event = AuditEvent.objects.get(action="flow_task.approve", object_id=str(head["id"]))
    assert event.actor_id == oa.account.pk


def test_a_service_account_without_the_administrator_role_cannot_relay(world, oa):
    definition = purchase(world).definition
    from lianfang.accounts.models import RoleGrant

    RoleGrant.objects.filter(user=oa.account).update(role=Role.STAFF)
    refused = oa.post(
        "/api/flows/instances/",
        {"definition": definition.pk, "on_behalf_of": "0102", "data": {}},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "not_relay"
    assert not Instance.objects.exists()


def test_people_use_their_session(world):
    version = purchase(world)
    staff = session(world.users["staff"])
    created = staff.post(
        "/api/flows/instances/",
        {"definition": version.definition.pk, "data": {"item": "纸", "amount": "300元"}},
        format="json",
    )
    assert created.status_code == 201
    assert [i["id"] for i in staff.get("/api/flows/instances/").json()["results"]] == [
        created.json()["id"]
    ]
    head = session(world.users["dept_head"])
    [task] = head.get("/api/flows/tasks/").json()["results"]
    assert task["instance_title"].startswith("测试采购")
    assert (
        head.post(f"/api/flows/tasks/{task['id']}/act/", {"action": "approve"}).status_code == 200
    )
    assert head.get("/api/flows/tasks/").json()["results"] == []


def test_bad_input_is_a_400_with_codes(world):
    version = purchase(world)
    staff = session(world.users["staff"])
    refused = staff.post(
        "/api/flows/instances/",
        {"definition": version.definition.pk, "data": {"amount": "很多", "x": {"y": 1}}},
        format="json",
    )
    assert refused.status_code == 400
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"item", "amount", "x"}
    assert not Instance.objects.exists()


@pytest.mark.parametrize("who", ["staff", "leader", "outsider", "admin", "integrity"])
def test_acting_on_a_task_not_yours_is_a_404_and_changes_nothing(world, who):
    instance = start(world, purchase(world))
    [task] = ready(instance)
    client = session(world.users[who])
    for action in ("approve", "reject", "return", "transfer"):
        response = client.post(
            f"/api/flows/tasks/{task.pk}/act/",
            {"action": action, "reason": "x", "transfer_to": world.leader_person.pk},
            format="json",
        )
        assert response.status_code == 404
    task.refresh_from_db()
    instance.refresh_from_db()
    assert task.state == "ready" and instance.lock_version == 0
    assert instance.events.count() == 2


def test_a_second_submission_is_a_404(world):
    instance = start(world, purchase(world))
    [task] = ready(instance)
    head = session(world.users["dept_head"])
    url = f"/api/flows/tasks/{task.pk}/act/"
    assert head.post(url, {"action": "approve"}).status_code == 200
    again = head.post(url, {"action": "approve"})
    assert again.status_code == 404
    assert "已被办理" in again.json()["detail"]
    instance.refresh_from_db()
    assert instance.lock_version == 1


def test_instances_out_of_scope_are_404(world):
    instance = start(world, purchase(world))
    assert (
        session(world.users["outsider"]).get(f"/api/flows/instances/{instance.pk}/").status_code
        == 404
    )
    for who in ("staff", "dept_head", "integrity", "admin"):
        assert (
            session(world.users[who]).get(f"/api/flows/instances/{instance.pk}/").status_code == 200
        )


def test_anonymous_is_refused(world):
    client = APIClient()
    for url in ("/api/flows/definitions/", "/api/flows/instances/", "/api/flows/tasks/"):
        assert client.get(url).status_code in (401, 403)


def test_the_endpoints_are_in_the_schema(world):
    schema = session(world.users["admin"]).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/flows/instances/" in paths and "post" in paths["/api/flows/instances/"]
    assert "/api/flows/tasks/{id}/act/" in paths
    assert "/api/flows/instances/{id}/" in paths


# Attachments through the API (multipart), with the pages' checks --------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def with_files(world):
    """The test purchase flow with a required quotation at the start and the contract required
    before the leader in charge approves."""
    from lianfang.flows import services

    from .flowkit import bpmn_text

    purchase(world)  # the leader in charge of cardiology
    bpmn = (
        bpmn_text("test_purchase")
        .replace(
            '<lianfang:field name="phone" label="联系电话" type="text"/>',
            '<lianfang:field name="phone" label="联系电话" type="text"/>\n'
            '      <lianfang:field name="quote" label="报价单" type="attachment" required="true"/>',
        )
        .replace(
            'lianfang:handler="leader_in_charge"',
            'lianfang:handler="leader_in_charge" lianfang:attachments="采购合同"',
        )
    )
    return services.definition_publish(
        actor=world.users["admin"], organisation=world.hospital, code="with_files", bpmn=bpmn
    )


def test_an_oa_system_sends_the_files_a_flow_needs_and_bad_files_change_nothing(
    world, oa, monkeypatch
):
    import dataclasses
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianfang.core import attachments as core_attachments
    from lianfang.core.attachments import Attachment, attachments_of

    version = with_files(world)
    use = core_attachments.use_of("flow_attachment")
    # the flows' limit is 20 MB; a smaller one here, so that "too large" needs no 20 MB body
    monkeypatch.setitem(
        core_attachments._USES, use.code, dataclasses.replace(use, max_bytes=len(PDF) + 10)
    )

    def file(name, content=PDF):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    def start(**files):
        return oa.post(
            "/api/flows/instances/",
            {
                "definition": version.definition.pk,
                "on_behalf_of": "0102",
                "data": json.dumps({"item": "心电监护仪", "amount": "15万", "method": "询价"}),
                **files,
            },
            format="multipart",
        )

    # refused, nothing started: no file for a required field, a file under another name, an
    # executable called .pdf, a file over the limit
    refusals = {
        "fields": start(),
        "attachment_field": start(quote=file("报价单.pdf"), other=file("x.pdf")),
        "attachment": start(quote=file("报价单.pdf", b"MZ\x90\x00" + b"\x00" * 40)),
    }
    refusals["too_large"] = start(quote=file("报价单.pdf", PDF + b"%" * 20))
    for why, refused in refusals.items():
        assert refused.status_code == 400, (why, refused.content)
    assert refusals["attachment_field"].json()["errors"][0]["code"] == "attachment_field"
    assert "不支持该文件类型" in refusals["attachment"].json()["errors"][0]["message"]
    assert "上限" in refusals["too_large"].json()["errors"][0]["message"]
    assert not Instance.objects.exists() and not Attachment.objects.exists()

    # the form as one JSON part and the quotation as the field's file part
    started = start(quote=file("报价单.pdf"))
    assert started.status_code == 201, started.json()
    instance = Instance.objects.get()
    [quote] = attachments_of(instance, "flow_attachment")
    assert quote.name == "报价单.pdf" and quote.size == len(PDF) and len(quote.sha256) == 64
    assert instance.data["quote"] == [quote.pk]
    [head] = ready(instance)
    assert (
        oa.post(
            f"/api/flows/tasks/{head.pk}/act/",
            {"action": "approve", "on_behalf_of": "0101"},
            format="multipart",
        ).status_code
        == 200
    )
    [leader] = ready(instance)

    def act(*files):
        return oa.post(
            f"/api/flows/tasks/{leader.pk}/act/",
            {"action": "approve", "on_behalf_of": "0001", "attachment": list(files)},
            format="multipart",
        )

    # the step needs the contract: without it, or with a bad file, the task stays as it was
    for refused in (act(), act(file("采购合同.pdf", b"GIF89a" + b"\x00" * 20))):
        assert refused.status_code == 400
    assert ready(instance) == [leader]
    assert Attachment.objects.count() == 1
    done = act(file("采购合同.pdf"), file("验收单.pdf"))
    assert done.status_code == 200, done.json()
    instance.refresh_from_db()
    assert instance.state == Instance.State.COMPLETED
    names = sorted(a.name for a in attachments_of(instance, "flow_attachment"))
    assert names == ["报价单.pdf", "采购合同.pdf", "验收单.pdf"]
