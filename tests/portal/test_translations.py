"""The Chinese interface is the default one: every string in the code has a Chinese translation."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import need

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCE_DIRS = ["portal", "events", "submissions", "scoring", "results", "public", "demo", "templates"]


def _unquote(lines):
    return "".join(eval(line[line.index('"') :]) for line in lines)  # noqa: S307 - a .po string literal


def read_po(path):
    """(msgid, translations, flags) for every entry of a .po file but the header."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) ", line)
            if match:
                current = match.group(1)
                fields[current] = [line]
            elif current:
                fields[current].append(line)
        if "msgid" not in fields:
            continue
        msgid = _unquote(fields["msgid"])
        if msgid == "":
            continue
        if "msgctxt" in fields:  # as gettext keys it: context, EOT, message
            msgid = f"{_unquote(fields['msgctxt'])}\x04{msgid}"
        translations = [_unquote(v) for k, v in fields.items() if k.startswith("msgstr")]
        entries.append((msgid, translations, flags))
    return entries


def test_every_string_has_a_chinese_translation():
    entries = read_po(PO)
    assert len(entries) > 100
    untranslated = [msgid for msgid, translations, _flags in entries if not all(translations)]
    fuzzy = [msgid for msgid, _translations, flags in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_po_file():
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, translations, _ in read_po(PO) if catalogue.gettext(msgid) != translations[0]]
    assert stale == []


def test_po_file_holds_every_string_of_the_code(tmp_path):
    need("GNU gettext (xgettext)", shutil.which("xgettext") is not None)
    for name in SOURCE_DIRS:
        shutil.copytree(Path(settings.BASE_DIR) / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(Path(settings.BASE_DIR) / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PYTHONPATH": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    in_code = {msgid for msgid, _, _ in read_po(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    in_po = {msgid for msgid, _, _ in read_po(PO)}
    assert sorted(in_code - in_po) == [], "run `make messages` and translate the new strings"


@pytest.mark.django_db
def test_chinese_pages_show_no_english_navigation(client):
    page = client.get("/login/").content.decode()
    for english in ("Log in", "Register an enterprise", "QC Exchange Portal", "Forgot your password?"):
        assert english not in page
