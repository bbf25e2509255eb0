"""The English interface: a complete catalogue, and pages that speak English on request.

Chinese is the source language (the msgids); src/lianfang/locale/en holds the English.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

import lianfang
from lianfang.core import punctuation

PACKAGE = Path(lianfang.__file__).resolve().parent
PO_FILE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[sdifr]")


def ensure_compiled_messages():
    """Compile the English catalogue when the .mo is missing or older than the .po.

    `make test` compiles it during set-up; a developer running pytest directly may not have.
    """
    if MO_FILE.exists() and MO_FILE.stat().st_mtime >= PO_FILE.stat().st_mtime:
        return
    call_command(
        "compilemessages",
        locale=["en"],
        ignore_patterns=[".venv", "node_modules", "static", "*/static"],
        verbosity=0,
    )
    # A catalogue loaded (empty) before the .mo existed is cached per process.
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None


def _unquote(text):
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def parse_po(path):
    """The entries of a .po file as dicts: msgid, msgid_plural, msgctxt, msgstr[n], flags."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry = {"flags": set(), "obsolete": False}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line[1:-1])
            else:
                key, _, value = line.partition(" ")
                entry[key] = _unquote(value[1:-1])
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def translations_of(entry):
    """(source, translation) pairs: one for a simple entry, one per form for a plural."""
    if "msgid_plural" in entry:
        return [
            (entry["msgid"], entry.get("msgstr[0]", "")),
            (entry["msgid_plural"], entry.get("msgstr[1]", "")),
        ]
    return [(entry["msgid"], entry.get("msgstr", ""))]


def problems_in(entries):
    """Untranslated, fuzzy and placeholder-mismatched entries, one line each."""
    problems = []
    for entry in entries:
        if entry["obsolete"]:
            continue
        label = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}|{entry['msgid']}"
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {label}")
        for source, target in translations_of(entry):
            if not target:
                problems.append(f"untranslated: {label}")
            elif set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(target)):
                problems.append(f"placeholders differ: {source!r} -> {target!r}")
    return problems


@pytest.fixture(scope="module", autouse=True)
def compiled_messages():
    ensure_compiled_messages()


# The catalogue ------------------------------------------------------------------------------


def test_catalogue_has_no_untranslated_fuzzy_or_mismatched_entries():
    entries = parse_po(PO_FILE)
    assert len(entries) > 500
    assert problems_in(entries) == []


def test_parser_sees_the_problems_it_must_report(tmp_path):
    # The checks above must be able to fail: a bad catalogue is reported line by line.
    bad = tmp_path / "bad.po"
    bad.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        'msgid "风险点"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "科室"\nmsgstr "Department"\n\n'
        'msgid "已删除“%(p)s”。"\nmsgstr "Deleted."\n\n'
        'msgid "共 %(n)s 个"\nmsgid_plural "共 %(n)s 个"\nmsgstr[0] "%(n)s item"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    assert problems_in(parse_po(bad)) == [
        "untranslated: 风险点",
        "fuzzy: 科室",
        "placeholders differ: '已删除“%(p)s”。' -> 'Deleted.'",
        "untranslated: 共 %(n)s 个",
    ]


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")), reason="GNU gettext not installed"
)
def test_every_string_marked_in_the_source_has_an_english_translation(tmp_path, settings):
    """Regenerate the catalogue from the code and templates in a scratch copy of the package:
    a string added without an English translation shows up as untranslated or fuzzy."""
    copy = tmp_path / "lianfang"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "*.pyc"),
    )
    settings.LOCALE_PATHS = [copy / "locale"]  # never write into the real catalogue
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        call_command(
            "makemessages",
            locale=["en"],
            no_obsolete=True,
            ignore_patterns=["static/vendor/*"],
            verbosity=0,
        )
    regenerated = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    problems = problems_in(parse_po(regenerated))
    assert problems == [], (
        "Run `cd src/lianfang && ../../.venv/bin/lianfang makemessages -l en --no-obsolete "
        "--ignore='static/vendor/*'` and translate:\n" + "\n".join(problems)
    )


def test_translations_are_served_in_english():
    with translation.override("en"):
        assert translation.gettext("风险点台账") == "Risk register"
        assert translation.pgettext("plural", "科室") == "Departments"
        assert translation.gettext("科室") == "Department"
        assert translation.ngettext("共 %(n)s 个风险点", "共 %(n)s 个风险点", 1) % {"n": 1} == (
            "1 risk point in total"
        )
        assert translation.ngettext("共 %(n)s 个风险点", "共 %(n)s 个风险点", 3) % {"n": 3} == (
            "3 risk points in total"
        )
    with translation.override("zh-hans"):
        assert translation.gettext("风险点台账") == "风险点台账"


# Pages --------------------------------------------------------------------------------------


def sidebar(html):
    start = html.index('id="lf-sidebar"')
    return html[start : html.index("</nav>", start)]


def heading(html):
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_chinese_is_the_default(world, login):
    html = login(world.users["integrity"]).get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    nav = sidebar(html)
    assert "首页" in nav and "风险点台账" in nav
    assert "Risk register" not in nav


@pytest.mark.django_db
def test_home_page_in_english(world, english):
    english.force_login(world.users["integrity"])
    html = english.get("/").content.decode()
    assert '<html lang="en">' in html
    nav = sidebar(html)
    for label in ["Home", "Organisations", "Departments", "Posts", "People", "Risk register"]:
        assert f"</i> {label}</a>" in nav, label
    for group in ["Workbench", "Organisation and people", "Risk prevention and control"]:
        assert group in nav
    assert not CJK.search(nav), CJK.findall(nav)
    assert "Sign out" in html and "退出登录" not in html
    # The switch offers the way back to Chinese.
    assert 'data-testid="lang-switch">中文</button>' in html


@pytest.mark.django_db
def test_register_in_english(world, english):
    english.force_login(world.users["integrity"])
    html = english.get("/risks/").content.decode()
    assert heading(html).startswith("Risk register")
    assert "<title>Risk register" in html
    assert "Integrity Risk Prevention and Control Platform</title>" in html
    assert not CJK.search(sidebar(html))
    # the level filter's choices are built when the module loads, yet follow the language
    level_filter = re.search(r'<select name="level"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert ">Level 1 (High)</option>" in level_filter
    assert not CJK.search(level_filter), CJK.findall(level_filter)


@pytest.mark.django_db
def test_organisation_list_in_english_with_plural_forms(world, english):
    english.force_login(world.users["integrity"])
    html = english.get("/org/organisations/").content.decode()
    assert heading(html).startswith("Organisations")
    assert "1 organisation in total" in html
    assert not CJK.search(sidebar(html))
    english.force_login(world.users["commission_integrity"])
    html = english.get("/org/organisations/").content.decode()
    assert "3 organisations in total" in html


@pytest.mark.django_db
def test_set_language_view_switches_to_english_and_back(world, client):
    client.force_login(world.users["staff"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/org/departments/"})
    assert response.status_code == 302
    assert response["Location"] == "/org/departments/"
    html = client.get("/org/departments/").content.decode()
    assert heading(html).startswith("Departments")
    assert "My risk points" in sidebar(html)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client.get("/org/departments/").content.decode()
    assert heading(html).startswith("科室")


def test_punctuation_between_words_and_data_follows_the_language():
    assert punctuation.labelled("单位", "示例医院") == "单位：示例医院"
    assert punctuation.bracketed("张三", "心内科") == "张三（心内科）"
    assert punctuation.listed(["甲", "乙"]) == "甲、乙"
    with translation.override("en"):
        assert punctuation.labelled("Unit", "A") == "Unit: A"
        assert punctuation.bracketed("Zhang San", "Cardiology") == "Zhang San (Cardiology)"
        assert punctuation.listed(["A", "B"]) == "A, B"


@pytest.mark.django_db
def test_positioning_page_in_english_has_no_chinese_punctuation(world, english):
    english.force_login(world.users["integrity"])
    html = english.get(f"/risks/positioning/{world.leader_person.pk}/").content.decode()
    assert "Date: " in html and "Date：" not in html
