"""The Simplified Chinese catalogue is complete, compiled, and what users actually read.

- every entry of locale/zh_Hans/LC_MESSAGES/django.po is translated, not fuzzy, and keeps the
  placeholders, HTML tags and surrounding newlines of its English original;
- the committed django.mo holds exactly the .po's translations (nobody forgot compilemessages);
- with GNU gettext installed, a fresh ``makemessages`` over the code and templates finds no
  string that the committed .po lacks (nobody added an untranslated string);
- real pages read in Chinese for Chinese visitors and in English for English ones.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from tests.accounts.helpers import fresh_cache  # noqa: F401  (fixture)
from tests.builders import PDF_BYTES, credit_code_for, upload

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# What makemessages reads, and what it must skip (the same list the catalogue is extracted with:
# makemessages -l zh_Hans --ignore=.venv/* --ignore=var/* --ignore=staticfiles/* --ignore=tests/*
# --ignore=bench/* --add-location=file).
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
SKIPPED_DIRS = {".venv", "var", "staticfiles", "tests", "bench", "node_modules", "locale"}

PLACEHOLDER = re.compile(r"%\((?P<name>[^)]+)\)[sdif]|%[sdif]")
# Markup that must survive translation (not "<warehouse>" and the like in plain-text help).
HTML_TAG = re.compile(r"</?(?:a|abbr|b|br|code|em|i|kbd|li|ol|p|small|span|strong|ul)\b[^>]*>")


# --- a small .po reader --------------------------------------------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def source(self) -> str:
        """The English text a translation must match: the plural form when there is one
        (Chinese has a single form, used for every count)."""
        return self.msgid_plural if self.msgid_plural is not None else self.msgid


def _unquote(literal: str, path: Path, line: int) -> str:
    literal = literal.strip()
    if not (literal.startswith('"') and literal.endswith('"')):
        raise ValueError(f"{path}:{line}: expected a quoted string, got {literal!r}")
    # PO strings use C escapes, which are a subset of Python's.
    return ast.literal_eval(literal)


def po_parse(path: Path) -> tuple[dict[str, str], list[PoEntry]]:
    """Return the header fields and the live (non-obsolete) entries of a .po file."""
    entries: list[PoEntry] = []
    entry = PoEntry()
    target: tuple[str, int | None] | None = None  # which field continuation lines extend
    started = False

    def finish():
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = PoEntry(), False, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry: not used by gettext
            continue
        if line.startswith("#"):  # comments and flags come before an entry's keywords
            if started:
                finish()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            name, index = target
            text = _unquote(line, path, number)
            if name == "msgstr":
                entry.msgstr[index] += text
            else:
                setattr(entry, name, getattr(entry, name) + text)
            continue
        if (
            keyword in {"msgctxt", "msgid"}
            and started
            and (keyword == "msgctxt" or target is None or target[0] != "msgctxt")
        ):
            finish()
        if keyword == "msgctxt":
            entry.msgctxt, target = _unquote(rest, path, number), ("msgctxt", None)
        elif keyword == "msgid":
            entry.msgid, target = _unquote(rest, path, number), ("msgid", None)
            entry.line = number
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = _unquote(rest, path, number), ("msgid_plural", None)
        elif keyword == "msgstr":
            entry.msgstr[0], target = _unquote(rest, path, number), ("msgstr", 0)
        elif re.fullmatch(r"msgstr\[\d+\]", keyword):
            index = int(keyword[7:-1])
            entry.msgstr[index], target = _unquote(rest, path, number), ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
        started = True
    finish()

    header_entries = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header_entries) == 1, f"{path}: expected one header entry"
    header = {}
    for header_line in header_entries[0].msgstr.get(0, "").splitlines():
        name, _, value = header_line.partition(":")
        header[name.strip()] = value.strip()
    if "fuzzy" in header_entries[0].flags:
        header["#fuzzy"] = "yes"
    return header, [e for e in entries if e is not header_entries[0]]


def placeholders(text: str) -> Counter:
    return Counter(match.group(0) for match in PLACEHOLDER.finditer(text.replace("%%", "")))


def where(entry: PoEntry) -> str:
    return f"line {entry.line}: {entry.msgid[:70]!r}"


@pytest.fixture(scope="module")
def catalogue():
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l zh_Hans"
    return po_parse(PO_PATH)


# --- the .po file --------------------------------------------------------------------------------


def test_po_header_declares_chinese_with_one_plural_form(catalogue):
    header, entries = catalogue
    assert "#fuzzy" not in header, "the header is marked fuzzy; msgfmt would drop it"
    assert header.get("Language") == "zh_Hans"
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"
    assert header.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert len(entries) > 300, "the catalogue looks truncated"


def test_every_entry_is_translated_and_not_fuzzy(catalogue):
    _, entries = catalogue
    fuzzy = [where(e) for e in entries if "fuzzy" in e.flags]
    empty = [where(e) for e in entries if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, "fuzzy entries (check and remove the flag):\n" + "\n".join(fuzzy)
    assert not empty, "untranslated entries:\n" + "\n".join(empty)
    plural_forms = [where(e) for e in entries if e.msgid_plural and set(e.msgstr) != {0}]
    assert not plural_forms, "Chinese has exactly one plural form msgstr[0]:\n" + "\n".join(
        plural_forms
    )


def test_translations_keep_placeholders_tags_and_newlines(catalogue):
    _, entries = catalogue
    problems = []
    for entry in entries:
        for translated in entry.msgstr.values():
            if placeholders(entry.source) != placeholders(translated):
                problems.append(
                    f"{where(entry)} placeholders {sorted(placeholders(entry.source))} "
                    f"!= {sorted(placeholders(translated))}"
                )
            if sorted(HTML_TAG.findall(entry.source)) != sorted(HTML_TAG.findall(translated)):
                problems.append(f"{where(entry)} HTML tags differ: {translated!r}")
            for edge in (str.startswith, str.endswith):
                if edge(entry.source, "\n") != edge(translated, "\n"):
                    problems.append(f"{where(entry)} leading/trailing newline differs")
    assert not problems, "\n".join(problems)


def test_translations_are_chinese(catalogue):
    """A msgstr that is still the English text is a translation someone forgot."""
    _, entries = catalogue
    # Names and codes that read the same in Chinese.
    same_in_chinese = {"English", "SKU", "SKUs", "PDF", "SKU %(code)s"}

    def has_words(text: str) -> bool:
        return bool(re.search(r"[A-Za-z]", HTML_TAG.sub("", PLACEHOLDER.sub("", text))))

    untranslated = [
        where(e)
        for e in entries
        if e.msgid not in same_in_chinese
        and has_words(e.msgid)
        and not any("\u4e00" <= char <= "\u9fff" for char in e.msgstr.get(0, ""))
    ]
    assert not untranslated, "no Chinese in these translations:\n" + "\n".join(untranslated)


# --- the compiled .mo ----------------------------------------------------------------------------


def test_compiled_mo_matches_the_po(catalogue):
    _, entries = catalogue
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages -l zh_Hans"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    mo_catalog = compiled._catalog  # noqa: SLF001  (the parsed .mo, keyed as gettext stores it)

    expected = {}
    for entry in entries:
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected[(msgid, 0)] = entry.msgstr[0]
    actual = {key: value for key, value in mo_catalog.items() if key != ""}

    stale = sorted(str(key)[:70] for key in expected if actual.get(key) != expected[key])
    extra = sorted(str(key)[:70] for key in actual if key not in expected)
    hint = "\nrun: manage.py compilemessages -l zh_Hans --ignore='.venv/*'"
    assert not stale, "django.mo is older than django.po for:\n" + "\n".join(stale) + hint
    assert not extra, "django.mo has entries the .po no longer has:\n" + "\n".join(extra) + hint


# --- nothing in the code is missing from the catalogue -------------------------------------------


def _source_copy(destination: Path) -> None:
    """Copy the files makemessages reads (py, html, txt) into ``destination``."""
    for path in BASE_DIR.rglob("*"):
        relative = path.relative_to(BASE_DIR)
        parts = relative.parts
        if any(
            part in SKIPPED_DIRS or part.startswith(".") or part.endswith(".egg-info")
            for part in parts[:-1]
        ):
            continue
        if path.is_file() and path.suffix in SOURCE_SUFFIXES and not parts[-1].startswith("."):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext (xgettext, msgmerge) is not installed: apt-get install -y gettext",
)
def test_every_string_in_code_and_templates_is_in_the_catalogue(catalogue, tmp_path, monkeypatch):
    """Extract the strings afresh, into a copy of the sources so the committed .po is untouched
    (makemessages writes into the locale directory of the tree it scans)."""
    _, entries = catalogue
    tree = tmp_path / "tree"
    _source_copy(tree)
    (tree / "locale").mkdir()
    monkeypatch.chdir(tree)
    with override_settings(LOCALE_PATHS=[str(tree / "locale")]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=[f"{name}/*" for name in sorted(SKIPPED_DIRS)],
            no_location=True,
            verbosity=0,
        )
    fresh_po = tree / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert fresh_po.exists(), "makemessages wrote nothing: are the sources copied?"
    _, fresh = po_parse(fresh_po)
    assert len(fresh) > 300, "makemessages found almost nothing: the source copy is incomplete"

    committed = {e.key for e in entries}
    missing = sorted(e.msgid for e in fresh if e.key not in committed)
    assert not missing, (
        f"{len(missing)} string(s) in the code or templates have no Chinese translation.\n"
        "Run: manage.py makemessages -l zh_Hans --ignore='.venv/*' --ignore='var/*' "
        "--ignore='staticfiles/*' --ignore='tests/*' --ignore='bench/*' --add-location=file\n"
        "then translate them in locale/zh_Hans/LC_MESSAGES/django.po and run compilemessages.\n"
        + "\n".join(repr(msgid) for msgid in missing)
    )


# --- what users read -----------------------------------------------------------------------------


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "the page has no <title>"
    return match.group(1)


def test_landing_page_reads_in_chinese_and_in_english(db, platform_client):
    chinese = platform_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = platform_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="zh-hans"' in chinese and '<html lang="en"' in english
    assert "平台" in _title(chinese)
    assert "S2B2B Platform" in _title(english) and "平台" not in _title(english)
    assert "申请成为供应商" in chinese and "Apply as a supplier" not in chinese
    assert "Apply as a supplier" in english and "申请成为供应商" not in english
    assert "统一社会信用代码" in chinese  # "How joining works"


def test_visitor_without_a_language_gets_chinese(db, platform_client):
    """Simplified Chinese is the platform's default language."""
    html = platform_client.get("/").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "申请成为渠道商" in html


def test_sign_in_page_says_登录_in_chinese_and_sign_in_in_english(host_client, supplier_a):
    client = host_client(supplier_a)
    chinese = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "<h1>登录</h1>" in chinese and "Sign in" not in chinese
    assert "忘记密码？" in chinese
    assert "<h1>Sign in</h1>" in english and "登录" not in english
    assert "Forgot your password?" in english
    assert f"登录 {supplier_a.name} 的管理后台。" in chinese


def test_language_switch_turns_the_sign_in_page_english(host_client, supplier_a):
    client = host_client(supplier_a)
    assert "<h1>登录</h1>" in client.get("/accounts/login/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "<h1>Sign in</h1>" in client.get("/accounts/login/").content.decode()


def test_wrong_password_is_explained_in_chinese(host_client, supplier_a, fresh_cache):  # noqa: F811
    response = host_client(supplier_a).post(
        "/accounts/login/",
        {"username": "nobody@example.com", "password": "not the password"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "邮箱地址或密码不正确。" in response.content.decode()


def test_application_form_errors_are_in_chinese(db, platform_client):
    data = {
        "company_name": "Zhongwen Precision 中文精密",
        "credit_code": credit_code_for("translations")[:5],
        "contact_name": "王芳",
        "contact_email": "wang@zhongwen.test",
        "contact_phone": "+86 138 0000 0000",
        "business_scope": "精密零部件",
        "subdomain": "zhongwen",
        "business_licence": upload("营业执照.pdf", PDF_BYTES, "application/pdf"),
    }
    response = platform_client.post("/apply/supplier/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200
    assert "统一社会信用代码为 18 位，此代码为 5 位。" in html
    assert "请修正以下错误。文件需要重新选择。" in html


def test_plural_message_uses_the_single_chinese_form():
    singular = "Too many failed sign-in attempts. Please wait %(minutes)d minute and try again."
    plural = "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again."
    with translation.override("zh-hans"):
        one = translation.ngettext(singular, plural, 1) % {"minutes": 1}
        five = translation.ngettext(singular, plural, 5) % {"minutes": 5}
    with translation.override("en"):
        english = translation.ngettext(singular, plural, 5) % {"minutes": 5}
    assert one == "登录失败次数过多，请等待 1 分钟后重试。"
    assert five == "登录失败次数过多，请等待 5 分钟后重试。"
    assert english == "Too many failed sign-in attempts. Please wait 5 minutes and try again."


def test_role_names_follow_the_glossary():
    from accounts.models import Role

    with translation.override("zh-hans"):
        labels = {str(label) for label in Role.labels}
    assert labels == {"所有者", "经理", "员工", "采购商"}
