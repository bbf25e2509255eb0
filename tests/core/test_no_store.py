"""Pages and downloads with personal data are not kept by browser or proxy caches."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from lianfang.core import jobs
from lianfang.core.models import Job
from lianfang.risks import jobs as risk_jobs

NO_STORE = "private, no-store"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard:home"),
        reverse("org:person_list"),
        reverse("org:roster_export"),
        reverse("risks:register_xlsx"),
        reverse("risks:register_pdf"),
        reverse("api-person-list"),
    ],
)
def test_signed_in_pages_and_downloads_are_not_stored(world, login, url):
    response = get(login(world.users["integrity"]), url)
    assert response["Cache-Control"] == NO_STORE


def test_a_photo_is_not_kept_either(world, login):
    from lianfang.core.attachments import attachment_save

    person = world.staff_person
    person.photo = attachment_save(
        actor=None, use="person_photo", target=person, upload=ContentFile(png(), name="face.png")
    )
    person.save(update_fields=["photo"])
    response = get(login(world.users["integrity"]), reverse("org:person_photo", args=[person.pk]))
    assert response["Cache-Control"] == NO_STORE  # the view's own one-hour caching is overridden


def test_a_job_file_is_not_stored(world, login):
    user = world.users["integrity"]
    job = Job.objects.create(
        kind=risk_jobs.EXPORT_REGISTER,
        actor=user,
        status=Job.Status.DONE,
        result={"file": "a.txt", "filename": "a.txt", "content_type": "text/plain"},
    )
    path = jobs.result_path(job, "a.txt")
    path.write_text("personal data", encoding="utf-8")
    response = get(login(user), reverse("core:job_download", args=[job.pk]))
    assert response["Cache-Control"] == NO_STORE


def test_anonymous_pages_are_not_stored_unless_their_view_says_so(client, db):
    # Django's login view sets its own never-cache header, which is kept.
    assert "no-store" in get(client, reverse("accounts:login"))["Cache-Control"]
    # A page without its own header: here the login page's redirect of a signed-out visitor.
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Cache-Control"] == NO_STORE


def test_static_files_keep_their_caching(client, db):
    response = client.get("/static/lianfang/accounts.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
