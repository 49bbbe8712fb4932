"""Every text a person can meet has its English translation, and the catalogue speaks it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def _extracted(tmp_path) -> list:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "--quiet", "extract", "-F", "babel.cfg", "-k", "N_"]
        + ["-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as fh:
        return [m for m in read_po(fh) if m.id]


def test_every_text_in_the_code_has_an_english_translation(tmp_path):
    with open(PO, "rb") as fh:
        english = {m.id: m for m in read_po(fh) if m.id}
    missing = [m.id for m in _extracted(tmp_path) if m.id not in english or not english[m.id].string]
    assert missing == [], "run `make messages` and translate: " + repr(missing[:5])
    fuzzy = [m.id for m in english.values() if m.fuzzy]
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    with open(PO, "rb") as fh:
        for entry in read_po(fh):
            if entry.id:
                assert sorted(PLACEHOLDER.findall(entry.id)) == sorted(PLACEHOLDER.findall(entry.string)), (
                    entry.id
                )


def test_the_compiled_catalogue_is_not_committed():
    tracked = subprocess.run(["git", "ls-files", "translations"], cwd=ROOT, capture_output=True, text=True)
    assert ".mo" not in tracked.stdout
