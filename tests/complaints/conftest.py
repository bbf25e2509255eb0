import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from lianfang.complaints import services
from lianfang.complaints.models import Officer
from lianfang.core import attachments
from lianfang.core.roles import Role
from lianfang.org.models import Department, LeaderDivision, Post
from tests.factories import make_person, make_user


@pytest.fixture(autouse=True)
def attachment_store(settings, tmp_path):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachments.store.__dict__.pop("storage", None)
    cache.clear()
    yield settings.LIANFANG_ATTACHMENTS_DIR
    attachments.store.__dict__.pop("storage", None)
    cache.clear()


class Office:
    """The world of tests.factories with a complaints office:
    lead = integrity (办公室负责人), custodian, handler (a 纪检监察室 officer), handler2;
    the cardiology chain designated as handlers too, so recusal has someone to exclude:
    dept_head (李主任, head of cardiology), leader (王副院长, 分管 cardiology), staff (张医生)."""

    def __init__(self, world):
        self.world = world
        hospital = world.hospital
        office = Department.objects.create(organisation=hospital, name="纪检监察室", code="JJS")
        post = Post.objects.create(
            organisation=hospital, department=office, name="纪检干事", code="P-JJGS"
        )
        self.handler_person = make_person(hospital, office, "0301", "孙干事", post)
        self.handler2_person = make_person(hospital, office, "0302", "周干事", post)
        self.lead = world.users["integrity"]
        self.custodian = make_user("custodian", (Role.INTEGRITY, hospital))
        self.handler = make_user("handler", (Role.INTEGRITY, hospital), person=self.handler_person)
        self.handler2 = make_user(
            "handler2", (Role.INTEGRITY, hospital), person=self.handler2_person
        )
        self.security = make_user("security", (Role.SECURITY, hospital))
        LeaderDivision.objects.create(
            leader=world.leader_person, department=world.cardiology, since=dt.date(2022, 1, 1)
        )
        for user, duty in (
            (self.lead, Officer.Duty.LEAD),
            (self.custodian, Officer.Duty.CUSTODIAN),
            (self.handler, Officer.Duty.HANDLER),
            (self.handler2, Officer.Duty.HANDLER),
            (world.users["dept_head"], Officer.Duty.HANDLER),
            (world.users["leader"], Officer.Duty.HANDLER),
            (world.users["staff"], Officer.Duty.HANDLER),
        ):
            services.officer_grant(actor=self.security, organisation=hospital, user=user, duty=duty)

    def file(self, **data):
        """An anonymous report against 张医生 (cardiology); returns (complaint, code)."""
        uploads = data.pop("uploads", ())
        base = {
            "category": "kickback",
            "anonymous": True,
            "subject_person": self.world.staff_person,
            "content": "他收了红包",
        }
        base.update(data)
        return services.complaint_file(
            actor=None, organisation=self.world.hospital, data=base, uploads=uploads
        )


@pytest.fixture
def office(world):
    return Office(world)


def pdf_upload(text: str, name="evidence.pdf"):
    body = f"%PDF-1.4\n1 0 obj << /Title ({text}) >> endobj\n%%EOF\n".encode()
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png_upload(text: str, name="photo.png"):
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="PNG", pnginfo=info)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
