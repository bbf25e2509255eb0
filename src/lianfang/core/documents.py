"""Printable documents: every form is an HTML template rendered to PDF here, by WeasyPrint.

Templates extend "documents/base.html"; the print stylesheet ("documents/print.css", a
template too) sets the page size and a CJK font from Debian's fonts-noto-cjk, so Chinese
prints with real glyphs. Nothing is fetched while rendering: the URL fetcher refuses every
address but inline data, so a document never reaches the network or the file system.
"""

import re
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

PDF_CONTENT_TYPE = "application/pdf"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Families fontconfig knows from fonts-noto-cjk (`fc-list | grep "CJK SC"`).
SANS_FONT = "Noto Sans CJK SC"
SERIF_FONT = "Noto Serif CJK SC"


def _url_fetcher():
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def render_html(template_name: str, context: dict | None = None, *, request=None) -> str:
    context = {"generated_at": timezone.localtime(), **(context or {})}
    return render_to_string(template_name, context, request=request)


def print_css(*, landscape: bool = False, serif: bool = False, page_size: str = "") -> str:
    # Printed at the foot of every page: what made the document, and when.
    stamp = f"{_('廉防 · 廉政风险防控平台')} · {timezone.localtime():%Y-%m-%d %H:%M}"
    return render_to_string(
        "documents/print.css",
        {
            # `page_size` names another sheet (a poster on "A5"); A4 by default.
            "page_size": f"{page_size or 'A4'}{' landscape' if landscape else ''}",
            "font": SERIF_FONT if serif else SANS_FONT,
            "sans_font": SANS_FONT,
            "stamp": stamp.replace("\\", "").replace('"', ""),
        },
    )


def render_pdf(
    template_name: str,
    context: dict | None = None,
    *,
    request=None,
    landscape: bool = False,
    serif: bool = False,
    page_size: str = "",
) -> bytes:
    """The template rendered with `context` as PDF bytes (A4 unless `page_size`, portrait
    unless `landscape`)."""
    html = render_html(template_name, context, request=request)
    return html_to_pdf(html, landscape=landscape, serif=serif, page_size=page_size)


def html_to_pdf(
    html: str, *, landscape: bool = False, serif: bool = False, page_size: str = ""
) -> bytes:
    """An HTML document (normally from a "documents/base.html" template) as PDF bytes."""
    from weasyprint import CSS, HTML

    fetcher = _url_fetcher()
    document = HTML(string=html, url_fetcher=fetcher)
    css = print_css(landscape=landscape, serif=serif, page_size=page_size)
    stylesheet = CSS(string=css, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet])


class DownloadName(str):
    """A file name in the user's language that carries its ASCII twin, `ascii`: what a
    browser that ignores RFC 6266's filename* saves the file as ("register-H1-20261204.xlsx"
    for "风险点登记表-示例市人民医院-20261204.xlsx")."""

    ascii: str

    def __new__(cls, name: str, ascii: str):
        obj = super().__new__(cls, name)
        obj.ascii = _ascii_fallback(ascii)
        return obj


def download_name(title, slug: str, *, ext: str, parts=(), codes=(), day=None) -> DownloadName:
    """The one way a download is named: `title` and `parts` (a unit, a person) and the date,
    and in ASCII `slug` (register, positioning, roster …) with `codes` (the unit's or
    department's code) and the date. Empty parts and codes are left out."""
    stamp = f"{day or timezone.localdate():%Y%m%d}"
    name = "-".join([str(title), *(str(p) for p in parts if p), stamp])
    codes = [re.sub(r"[^A-Za-z0-9_-]+", "", str(c)).strip("_-") for c in codes if c]
    ascii = "-".join([slug, *(c for c in codes if c), stamp])
    return DownloadName(f"{name}.{ext}", f"{ascii}.{ext}")


def _ascii_fallback(filename: str) -> str:
    """A plain ASCII name for clients that ignore filename* (the extension is kept); a name
    left with no letters (a Chinese title and a date) is called a download."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")
    stem = re.sub(r"_*-_*", "-", stem)
    if not re.search(r"[A-Za-z]", stem):
        stem = f"download-{stem}" if stem else "download"
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)
    return f"{stem}.{ext}" if ext else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition value carrying a Chinese file name (RFC 6266 filename*), and an
    ASCII one for the rest: a DownloadName's own (`download_name`), else the name's ASCII
    letters and digits."""
    kind = "inline" if inline else "attachment"
    fallback = getattr(filename, "ascii", None) or _ascii_fallback(filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(str(filename))}"


def file_response(
    content, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    """A download of `content` (bytes, or an open binary file that is streamed and closed)."""
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(bytes(content), content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    return file_response(pdf, filename, PDF_CONTENT_TYPE, inline=inline)
