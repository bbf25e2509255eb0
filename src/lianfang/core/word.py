"""Word documents (.docx) of the official forms offices edit before printing, from templates.

Beside the PDF (`core.documents`, WeasyPrint), a form that an office retypes, stamps or signs
is also given as a Word file, rendered with docxtpl from a .docx template:

- An app declares each such form once, when ready, with `register_form(WordForm(...))`: a
  code, a label, the path of the default template it ships (built by its `build` function
  with python-docx: `lianfang word_templates` writes them), and a `sample()` context.
- `render(code, context, organisation=...)` renders the template in force for the
  organisation: its own replacement, else the nearest ancestor's, else the default.
- An organisation's administrator may replace a form's template (系统维护 › Word 模板): the
  upload is an attachment of the organisation (`core.attachments`, one use per form:
  `word_template.<code>`, Word files only, 2 MB) and is accepted only if it renders with the
  form's sample context (`template_upload`); otherwise a Chinese message says why.

Templates are Jinja in Word (docxtpl's syntax: `{{ unit }}`, `{%tr for row in rows %}`,
`{% vm %}` to merge a column's cells down a loop). They render in Jinja's sandbox with strict
undefined variables and XML escaping: an uploaded template reaches only the plain texts and
lists of its context (no model, no attribute beyond them), a misspelt field is refused when
uploaded rather than printed blank, and a value holding `<` or `&` cannot break the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import attachments
from .models import Attachment

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The fonts of Chinese official forms, named by family: Word and WPS on the offices' machines
# have them; LibreOffice on a server substitutes a CJK font fontconfig knows.
SONG = "宋体"
FANGSONG = "仿宋"
HEI = "黑体"
TEMPLATE_MAX_BYTES = 2 * 1024 * 1024
USE_PREFIX = "word_template."


@dataclass(frozen=True)
class WordForm:
    """A form given as Word: its code (`risks.positioning`), label, default template and a
    sample context that every replacement must render with."""

    code: str
    label: str
    default: Path
    sample: Callable[[], dict]
    build: Callable[[Path], None]
    help: str = ""  # the fields a template may use, shown on the upload page

    @property
    def use(self) -> str:
        return f"{USE_PREFIX}{self.code}"


_FORMS: dict[str, WordForm] = {}


def _may_manage(user, organisation) -> bool:
    from .selectors import administers

    return administers(user, organisation)


def register_form(form: WordForm) -> WordForm:
    """Declare a Word form (once, when the app is ready) and its attachment use."""
    _FORMS[form.code] = form
    attachments.register_use(
        attachments.AttachmentUse(
            code=form.use,
            label=form.label,
            types=(DOCX_CONTENT_TYPE,),
            max_bytes=TEMPLATE_MAX_BYTES,
            may_read=_may_manage,
            may_attach=_may_manage,
            max_files=1,
        )
    )
    return form


def forms() -> list[WordForm]:
    from django.apps import apps

    apps.get_app_configs()
    return sorted(_FORMS.values(), key=lambda f: f.code)


def form_of(code: str) -> WordForm:
    try:
        return _FORMS[code]
    except KeyError:
        raise ImproperlyConfigured(f"no Word form {code!r} is registered") from None


# Rendering ---------------------------------------------------------------------------------------

# Characters XML 1.0 cannot hold, and those docxtpl turns into layout (\a, \f, \t): a value is
# text, never a page break.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def clean(value) -> str:
    """A value as the text a template prints: str, control characters removed (line breaks
    kept: docxtpl prints them as breaks)."""
    if value is None:
        return ""
    return _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))


def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def render_template(template: bytes | Path, context: dict) -> bytes:
    """`template` (a .docx's bytes or path) rendered with `context` as .docx bytes."""
    from docxtpl import DocxTemplate

    source = io.BytesIO(template) if isinstance(template, bytes | bytearray) else template
    document = DocxTemplate(source)
    document.render(context, jinja_env=_environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def organisation_paths(organisation) -> list[str]:
    """The organisation's path and its ancestors', nearest first."""
    path = organisation.path
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


def template_in_force(code: str, organisation) -> Attachment | None:
    """The replacement of form `code` that applies to `organisation`: its own, else its
    nearest ancestor's; None for the default. One query."""
    if organisation is None:
        return None
    paths = organisation_paths(organisation)
    found = list(
        Attachment.objects.filter(
            use=form_of(code).use, deleted_at__isnull=True, organisation__path__in=paths
        ).select_related("organisation")
    )
    found.sort(key=lambda a: len(a.organisation.path), reverse=True)
    return found[0] if found else None


def template_bytes(code: str, organisation=None) -> bytes:
    replacement = template_in_force(code, organisation)
    if replacement is not None:
        return attachments.attachment_content(replacement)
    return form_of(code).default.read_bytes()


def render(code: str, context: dict, *, organisation=None) -> bytes:
    """Form `code` rendered with `context`, from the template in force for `organisation`."""
    return render_template(template_bytes(code, organisation), context)


def docx_response(content: bytes, filename: str):
    from .documents import file_response

    return file_response(content, filename, DOCX_CONTENT_TYPE)


# Replacing a template ----------------------------------------------------------------------------


class TemplateError(ValidationError):
    """An uploaded template that does not render; the message says why, in Chinese."""


def check_template(form: WordForm, content: bytes) -> None:
    """Refuse (TemplateError) a template that does not render with the form's sample."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError, TemplateSyntaxError

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            macros = any(name.lower().endswith("vbaproject.bin") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        macros = False  # rendering below says the file is unusable
    if macros:
        raise TemplateError(_("模板含有宏，不能使用：请另存为不含宏的 Word 文档（.docx）。"))
    try:
        render_template(content, form.sample())
    except UndefinedError as exc:
        raise TemplateError(
            _("模板引用了不存在的字段：%(error)s。可用的字段见本页说明。") % {"error": exc.message}
        ) from exc
    except TemplateSyntaxError as exc:
        raise TemplateError(
            _("模板中的标记写法有误：%(error)s（请检查 {{ }} 与 {%% %%} 是否成对）。")
            % {"error": exc.message}
        ) from exc
    except SecurityError as exc:
        raise TemplateError(_("模板使用了不允许的写法：%(error)s。") % {"error": exc}) from exc
    except JinjaError as exc:
        raise TemplateError(
            _("模板无法生成文书：%(error)s。") % {"error": exc.message or exc}
        ) from exc
    except Exception as exc:  # noqa: BLE001 - a broken file may fail anywhere in docx/lxml
        raise TemplateError(
            _("无法用该模板生成文书，请确认它是用 Word 保存的 .docx 文件，且未损坏。")
        ) from exc


@transaction.atomic
def template_upload(*, actor, code: str, organisation, upload) -> Attachment:
    """Make `upload` the organisation's template of form `code`, replacing its own previous
    one, if it renders with the form's sample context (else TemplateError). Audited as the
    attachment's save (and the previous one's removal)."""
    form = form_of(code)
    use = attachments.use_of(form.use)
    if not use.may_attach(actor, organisation):
        raise attachments.AttachmentError(_("您不能设置该单位的模板。"))
    content, _mime, _hash = attachments.check_upload(use, upload)
    check_template(form, content)
    previous = Attachment.objects.filter(
        use=form.use, organisation=organisation, deleted_at__isnull=True
    )
    for attachment in previous:
        attachments.attachment_delete(actor=actor, attachment=attachment, reason=_("已替换"))
    return attachments.attachment_save(
        actor=actor, use=form.use, target=organisation, upload=upload, organisation=organisation
    )


@transaction.atomic
def template_remove(*, actor, code: str, organisation) -> bool:
    """Go back to the template from above (an ancestor's or the default); False when the
    organisation had none of its own."""
    form = form_of(code)
    if not _may_manage(actor, organisation):
        raise attachments.AttachmentError(_("您不能设置该单位的模板。"))
    removed = False
    for attachment in Attachment.objects.filter(
        use=form.use, organisation=organisation, deleted_at__isnull=True
    ):
        attachments.attachment_delete(actor=actor, attachment=attachment, reason=_("恢复默认模板"))
        removed = True
    return removed


def templates_in_force(organisations) -> dict[tuple[int, str], Attachment | None]:
    """For each organisation and form code: the replacement in force (its own, else the
    nearest ancestor's) or None for the default; one query for them all."""
    organisations = list(organisations)
    paths = {p for o in organisations for p in organisation_paths(o)}
    uses = {f.use: f.code for f in forms()}
    found = {
        (a.organisation.path, uses[a.use]): a
        for a in Attachment.objects.filter(
            use__in=list(uses), deleted_at__isnull=True, organisation__path__in=paths
        ).select_related("organisation")
    }
    result = {}
    for organisation in organisations:
        for form in forms():
            result[organisation.pk, form.code] = next(
                (
                    found[path, form.code]
                    for path in organisation_paths(organisation)
                    if (path, form.code) in found
                ),
                None,
            )
    return result


# Building default templates with python-docx ------------------------------------------------------

A4_LANDSCAPE_MM = (297, 210)


def new_document(*, landscape: bool = True, font: str = FANGSONG, size: float = 10.5):
    """A python-docx Document on A4 (landscape unless told), margins of 2 cm, the Normal style
    in `font` (East Asian and Latin alike)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    width, height = A4_LANDSCAPE_MM if landscape else A4_LANDSCAPE_MM[::-1]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(width), Mm(height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(18))
    normal = document.styles["Normal"]
    normal.font.size = Pt(size)
    set_font(normal, font)
    normal.paragraph_format.space_after = Pt(0)
    return document


def set_font(target, family: str) -> None:
    """Set a style's or a run's font by family name, for Chinese (eastAsia) and Latin text."""
    from docx.oxml.ns import qn

    target.font.name = family
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)


def repeat_header(row) -> None:
    """Mark a table row as its header, repeated at the top of every page the table runs on."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def keep_row_together(row) -> None:
    """A row is not split across pages."""
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def write_cell(cell, text: str, *, bold=False, font=None, size=None, centre=False) -> None:
    """Put `text` as the cell's only paragraph."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = cell.paragraphs[0]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    if font:
        set_font(run, font)
    if size:
        run.font.size = Pt(size)


def loop_table(document, headers, cells, loop: str):
    """A grid table of a default template: a shaded header row repeated on every page, then
    one row of `cells` (template text) repeated for each `row in <loop>` of the context."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    repeat_header(table.rows[0])
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        write_cell(cell, text, bold=True, font=HEI, centre=True)
        shade(cell, "D9D9D9")
    table.add_row().cells[0].paragraphs[0].add_run(f"{{%tr for row in {loop} %}}")
    row = table.add_row()
    for cell, text in zip(row.cells, cells, strict=True):
        write_cell(cell, text)
    table.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}")
    return table


def save_default(document, path: Path) -> None:
    """Write a built template with fixed package metadata, so rebuilding changes nothing that
    was not changed."""
    import datetime as dt

    props = document.core_properties
    props.author = props.last_modified_by = "Lianfang"
    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


__all__ = [
    "DOCX_CONTENT_TYPE",
    "WordForm",
    "clean",
    "docx_response",
    "form_of",
    "forms",
    "register_form",
    "render",
    "template_in_force",
    "template_remove",
    "template_upload",
]
