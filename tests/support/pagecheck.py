"""What every page must pass in the browser: no WCAG 2.1 AA violation (axe-core), nothing wider
than the viewport (and, on a phone, nothing wider than 320 px at 320 px, the narrowest screen
WCAG's reflow rule names), and a full-page screenshot left in tests/artifacts/screens/ to look at."""

from __future__ import annotations

import json
from pathlib import Path

from babel.support import Translations
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "tests" / "artifacts" / "screens"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NARROWEST = 320
PHONE = 360
_ENGLISH = Translations.load(str(ROOT / "translations"), ["en"])


class PageCheck:
    """One person's browser at one width and language, checking each page it meets."""

    def __init__(self, page, axe_source: str, language: str, width: int) -> None:
        self.page = page
        self.axe_source = axe_source
        self.language = language
        self.width = width
        self.seen: list[str] = []

    def t(self, russian: str) -> str:
        """A label as this person reads it (the catalogue's English on English pages)."""
        return _ENGLISH.gettext(russian) if self.language == "en" else russian

    def label(self, russian: str, exact: bool = True):
        return self.page.get_by_label(self.t(russian), exact=exact)

    def button(self, russian: str):
        return self.page.get_by_role("button", name=self.t(russian), exact=True)

    def link(self, russian: str):
        return self.page.get_by_role("link", name=self.t(russian), exact=True)

    def check(self, name: str, page_language: str | None = None) -> None:
        """page_language: what the page declares when it is not the person's (a Russian paper)."""
        page = self.page
        page.wait_for_load_state("load")
        self.seen.append(name)
        SCREENS.mkdir(parents=True, exist_ok=True)
        shot = SCREENS / f"{self.language}-{self.width}-{len(self.seen):02d}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert page.evaluate("document.documentElement.lang") == (page_language or self.language), name
        self._fits(name, self.width, shot.name)
        if self.width == PHONE:
            self._fits_narrowest(name, shot.name)
        violations = self._axe()
        assert violations == [], f"{name} ({shot.name}): " + json.dumps(
            violations, ensure_ascii=False, indent=1
        )

    def _fits(self, name: str, width: int, shot: str) -> None:
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name}: {wide} px wide at a {width} px viewport ({shot})"

    def _fits_narrowest(self, name: str, shot: str) -> None:
        """The phone's page narrowed to 320 px and back, so the walk goes on as it was."""
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": NARROWEST, "height": size["height"]})
        try:
            self._fits(name, NARROWEST, shot)
        finally:
            self.page.set_viewport_size(size)

    def summary_has_focus(self) -> None:
        """After a failed submit the error summary's heading holds the focus (autofocus, no script)."""
        expect(self.page.locator("#error-summary-title")).to_be_focused()

    def _axe(self) -> list[dict]:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source + "\n;0")
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_21_AA,
        )
        return [
            {
                "rule": v["id"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
                "why": [n.get("failureSummary", "") for n in v["nodes"]][:2],
            }
            for v in result["violations"]
        ]
