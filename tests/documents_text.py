"""Reading generated documents back as text, for the tests of every app that prints: a Word
file converted headless by LibreOffice (what a reader's office suite makes of it), and a PDF's
text as pypdf extracts it. One home for the helper the risks', assessments', commitments' and
campaigns' tests share."""

import io
import shutil
import subprocess

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The text of a PDF's pages as pypdf extracts it, without white space (a PDF wraps its
    cells' text wherever the column ends)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return "".join("".join((page.extract_text() or "").split()) for page in pages)


def soffice_pdf_text(content: bytes, tmp_path, *, landscape: bool = False) -> str:
    """`content` (a .docx) converted to PDF by LibreOffice (headless, a profile of its own in
    `tmp_path`), the check that every page is portrait (or `landscape`), and the PDF's text
    without white space."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is missing: `make setup` installs libreoffice-writer"
    source = tmp_path / "form.docx"
    source.write_bytes(content)
    subprocess.run(  # noqa: S603 - our own file, LibreOffice found on the PATH
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "form.pdf").read_bytes()
    pages = PdfReader(io.BytesIO(pdf)).pages
    wide = [float(p.mediabox.width) > float(p.mediabox.height) for p in pages]
    assert all(wide) if landscape else not any(wide)
    return pdf_text(pdf)
