import io

import pytest
from django.template import Context, Template
from pypdf import PdfReader

from lianfang.core import documents


def pdf_text(pdf: bytes) -> str:
    """The text a reader extracts from a PDF, page after page."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_pages(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).pages


SAMPLE = Template(
    '{% extends "documents/base.html" %}'
    "{% block title %}{{ title }}{% endblock %}{% block heading %}{{ title }}{% endblock %}"
    '{% block content %}<table class="doc-table"><thead><tr><th>权力事项</th><th>风险点</th></tr>'
    "</thead><tbody>{% for row in rows %}<tr><td>{{ row.0 }}</td><td>{{ row.1 }}</td></tr>"
    "{% endfor %}</tbody></table>{% endblock %}"
)


def sample_html(rows=(("药品采购", "收受回扣"),)):
    return SAMPLE.render(Context({"title": "廉政风险定位表", "rows": rows}))


def test_pdf_shows_the_chinese_text():
    pdf = documents.html_to_pdf(sample_html())
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for word in ("廉政风险定位表", "权力事项", "药品采购", "收受回扣"):
        assert word in text
    # The page footer (from the print stylesheet) is Chinese too.
    assert "第 1 页" in text


def test_pdf_embeds_the_cjk_font():
    pdf = documents.html_to_pdf(sample_html())
    fonts = set()
    for page in pdf_pages(pdf):
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts


def test_landscape_and_portrait_pages():
    portrait = pdf_pages(documents.html_to_pdf(sample_html()))[0].mediabox
    landscape = pdf_pages(documents.html_to_pdf(sample_html(), landscape=True))[0].mediabox
    assert float(portrait.height) > float(portrait.width)
    assert float(landscape.width) > float(landscape.height)


def test_long_tables_run_over_pages_with_their_header():
    rows = [(f"权力事项{i}", f"风险点{i}") for i in range(120)]
    pdf = documents.html_to_pdf(sample_html(rows))
    pages = pdf_pages(pdf)
    assert len(pages) > 1
    assert "权力事项" in (pages[1].extract_text() or "")  # the header repeats
    assert "风险点119" in pdf_text(pdf)


def test_documents_load_nothing_from_outside():
    html = '<html><body><img src="http://example.invalid/x.png"><p>正文</p></body></html>'
    pdf = documents.html_to_pdf(html)
    assert "正文" in pdf_text(pdf)
    with pytest.raises(ValueError, match="disallowed protocol"):
        documents._url_fetcher()("file:///etc/passwd")


def test_render_pdf_from_a_template():
    pdf = documents.render_pdf("documents/base.html", {})
    assert pdf.startswith(b"%PDF")
    assert "廉防" in pdf_text(pdf)  # the stamp at the foot of each page


def test_download_keeps_the_chinese_file_name():
    response = documents.pdf_response(b"%PDF-1.7", "廉政风险定位表-王副院长.pdf")
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="' in disposition and disposition.isascii()
    assert (
        "filename*=UTF-8''%E5%BB%89%E6%94%BF%E9%A3%8E%E9%99%A9%E5%AE%9A%E4%BD%8D%E8%A1%A8"
        in disposition
    )
    # a name with no ASCII words left still reads as a download, not a bare date
    assert documents._ascii_fallback("廉政风险定位表-2026.pdf") == "download-2026.pdf"
    assert documents._ascii_fallback("登记表.xlsx") == "download.xlsx"


def test_file_response_streams_an_open_file(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04data")
    response = documents.file_response(
        path.open("rb"), "风险点登记表.xlsx", documents.XLSX_CONTENT_TYPE
    )
    assert b"".join(response.streaming_content) == b"PK\x03\x04data"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
