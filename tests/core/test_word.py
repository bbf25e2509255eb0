"""Word forms (core.word): rendering in the sandbox, the template in force for an organisation
(its own, an ancestor's, the default), replacements checked before they are accepted, and
the 系统维护 › Word 模板 pages."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from lianfang.core import attachments, word
from lianfang.core.models import Attachment, AuditEvent
from lianfang.core.roles import Role
from lianfang.risks import word_forms
from tests.factories import make_user

POSITIONING = word_forms.POSITIONING


@pytest.fixture(autouse=True)
def attachments_dir(tmp_path, settings):
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachments.store.__dict__.pop("storage", None)  # the cached storage follows the setting
    yield
    attachments.store.__dict__.pop("storage", None)


def template_with(*lines: str, code=POSITIONING) -> bytes:
    """The form's default template with paragraphs added at its end."""
    document = Document(str(word.form_of(code).default))
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_upload(content: bytes, name="本院模板.docx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def text_of(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_default_templates_render_their_samples():
    for form in word.forms():
        content = word.render(form.code, form.sample())
        assert content[:2] == b"PK"
        assert attachments.detect_type(content) == word.DOCX_CONTENT_TYPE
    text = text_of(word.render(POSITIONING, word_forms.positioning_sample()))
    assert "示例市人民医院" in text and "遴选中透露评分标准" in text and "本人签字" in text
    assert "{{" not in text and "{%" not in text


def test_values_are_text_whatever_they_hold():
    sample = word_forms.positioning_sample()
    row = sample["powers"][0]["rows"][0]
    row["name"] = word.clean("<w:p>回扣 & 好处\x0c{{ unit }}\x07")
    text = text_of(word.render(POSITIONING, sample))
    assert "<w:p>回扣 & 好处{{ unit }}" in text  # escaped, not markup; no page break


@pytest.mark.django_db
def test_a_replacement_applies_to_its_organisation_and_those_below(world):
    commission_admin = make_user("wjw_admin", (Role.ADMIN, world.commission))
    word.template_upload(
        actor=commission_admin,
        code=POSITIONING,
        organisation=world.commission,
        upload=docx_upload(template_with("委员会统一格式：{{ unit }}")),
    )
    sample = word_forms.positioning_sample()
    assert "委员会统一格式：示例市人民医院" in text_of(
        word.render(POSITIONING, sample, organisation=world.hospital)
    )
    admin = world.users["admin"]
    word.template_upload(
        actor=admin,
        code=POSITIONING,
        organisation=world.hospital,
        upload=docx_upload(template_with("本院格式：{{ person }}")),
    )
    text = text_of(word.render(POSITIONING, sample, organisation=world.hospital))
    assert "本院格式：王院长" in text and "委员会统一格式" not in text
    other = text_of(word.render(POSITIONING, sample, organisation=world.other_hospital))
    assert "委员会统一格式" in other  # the commission's, not the hospital's
    # the register's form is untouched
    assert word.template_in_force(word_forms.REGISTER, world.hospital) is None
    # uploading again replaces the organisation's own; removing it goes back to the one above
    word.template_upload(
        actor=admin,
        code=POSITIONING,
        organisation=world.hospital,
        upload=docx_upload(template_with("本院第二版")),
    )
    assert Attachment.objects.filter(organisation=world.hospital, deleted_at=None).count() == 1
    assert word.template_remove(actor=admin, code=POSITIONING, organisation=world.hospital)
    text = text_of(word.render(POSITIONING, sample, organisation=world.hospital))
    assert "委员会统一格式" in text and "本院" not in text
    actions = list(
        AuditEvent.objects.filter(action__startswith="attachment.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["attachment.save"] * 2 + ["attachment.delete", "attachment.save"] + [
        "attachment.delete"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "line, message",
    [
        ("{{ unit ", "标记写法有误"),
        ("{% for x in powers %}", "标记写法有误"),
        ("{{ no_such_field }}", "不存在的字段"),
        ("{{ unit.__class__.__mro__ }}", "模板"),
        ("{{ powers.append(1) }}", "模板"),
    ],
)
def test_a_template_that_does_not_render_is_refused_with_a_reason(world, line, message):
    with pytest.raises(word.TemplateError) as refused:
        word.template_upload(
            actor=world.users["admin"],
            code=POSITIONING,
            organisation=world.hospital,
            upload=docx_upload(template_with(line)),
        )
    assert message in " ".join(refused.value.messages)
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_only_word_files_within_the_limit_and_only_administrators(world):
    admin = world.users["admin"]
    with pytest.raises(attachments.AttachmentError, match="不支持该文件类型"):
        word.template_upload(
            actor=admin,
            code=POSITIONING,
            organisation=world.hospital,
            upload=docx_upload(b"%PDF-1.4\n%%EOF\n", "模板.docx"),
        )
    with pytest.raises(attachments.AttachmentError, match="MB"):
        word.template_upload(
            actor=admin,
            code=POSITIONING,
            organisation=world.hospital,
            upload=docx_upload(b"PK\x03\x04" + b"0" * word.TEMPLATE_MAX_BYTES),
        )
    with pytest.raises(attachments.AttachmentError, match="不能设置"):
        word.template_upload(
            actor=admin,
            code=POSITIONING,
            organisation=world.other_hospital,
            upload=docx_upload(template_with()),
        )
    with pytest.raises(attachments.AttachmentError, match="不能设置"):
        word.template_upload(
            actor=world.users["integrity"],
            code=POSITIONING,
            organisation=world.hospital,
            upload=docx_upload(template_with()),
        )


@pytest.mark.django_db
def test_the_pages(world, login, django_assert_max_num_queries):
    client = login(world.users["admin"])
    index = client.get(reverse("core:word_templates"))
    assert index.status_code == 200
    page = reverse("core:word_template_edit", args=[world.hospital.pk])
    assert page in index.content.decode()
    default = client.get(reverse("core:word_template_default", args=[POSITIONING]))
    assert default["Content-Type"] == word.DOCX_CONTENT_TYPE
    assert "{{ unit }}" in text_of(default.content)
    refused = client.post(
        page, {"form": POSITIONING, "file": docx_upload(template_with("{{ nope }}"))}
    )
    assert refused.status_code == 400
    assert "模板引用了不存在的字段" in refused.content.decode()
    saved = client.post(page, {"form": POSITIONING, "file": docx_upload(template_with("本院格式"))})
    assert saved.status_code == 302
    attachment = Attachment.objects.get(deleted_at=None)
    shown = client.get(page).content.decode()
    assert "本院模板.docx" in shown
    assert reverse("core:attachment_download", args=[attachment.pk]) in shown
    assert client.get(reverse("core:attachment_download", args=[attachment.pk])).status_code == 200
    # the page, and the menu with its counts (待审, 待办): none per template
    with django_assert_max_num_queries(13):
        assert "本单位模板" in client.get(reverse("core:word_templates")).content.decode()
    assert client.post(page, {"remove": POSITIONING}).status_code == 302
    assert not Attachment.objects.filter(deleted_at=None).exists()
    # outside the administrator's subtree: 404; other roles: 403
    other = reverse("core:word_template_edit", args=[world.other_hospital.pk])
    assert client.get(other).status_code == 404
    assert client.get(reverse("core:word_template_default", args=["nope"])).status_code == 404
    client = login(world.users["integrity"])
    assert client.get(page).status_code == 403
    assert client.get(reverse("core:word_templates")).status_code == 403


@pytest.mark.django_db
def test_a_template_with_macros_is_refused(world):
    out = io.BytesIO(template_with())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    with pytest.raises(word.TemplateError, match="宏"):
        word.template_upload(
            actor=world.users["admin"],
            code=POSITIONING,
            organisation=world.hospital,
            upload=docx_upload(out.getvalue()),
        )
