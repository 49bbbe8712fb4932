"""The consent kinds and every version of their texts, as published in consent/texts/.

A version is identified by (kind, id); its SHA-256 is what a record keeps as
proof of the exact text the person saw. The catalogue is read once from
`texts/catalogue.toml` and the text files beside it.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

TEXTS_DIR = Path(__file__).resolve().parent / "texts"


class UnknownConsent(LookupError):
    """No such kind, or no such version of it, in the catalogue."""


@dataclass(frozen=True)
class Version:
    kind: str
    id: str
    effective: datetime
    text: str
    sha256: str


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # the checkbox's words
    title: str  # the text page's heading
    mandatory: bool
    versions: tuple[Version, ...]  # oldest first
    english: tuple[str, str] = ("", "")  # (label, title) on English pages

    def label_in(self, language: str) -> str:
        return self.english[0] if language == "en" and self.english[0] else self.label

    def title_in(self, language: str) -> str:
        return self.english[1] if language == "en" and self.english[1] else self.title


class Catalogue:
    def __init__(self, kinds: dict[str, Kind]) -> None:
        self.kinds = kinds

    @classmethod
    def load(cls, directory: Path = TEXTS_DIR) -> Catalogue:
        with open(directory / "catalogue.toml", "rb") as fh:
            declared = tomllib.load(fh)
        kinds = {}
        for name, entry in declared.items():
            versions = []
            for v in entry["versions"]:
                raw = (directory / name / f"{v['id']}.txt").read_bytes()
                if v["effective"].tzinfo is None:
                    raise ValueError(f"{name} version {v['id']}: effective needs a UTC offset")
                versions.append(
                    Version(name, str(v["id"]), v["effective"], raw.decode(), hashlib.sha256(raw).hexdigest())
                )
            versions.sort(key=lambda version: version.effective)
            kinds[name] = Kind(
                name,
                entry["label"],
                entry["title"],
                bool(entry["mandatory"]),
                tuple(versions),
                (entry.get("label_en", ""), entry.get("title_en", "")),
            )
        return cls(kinds)

    def kind(self, name: str) -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownConsent(name) from None

    def version(self, kind: str, version: str) -> Version:
        for candidate in self.kind(kind).versions:
            if candidate.id == version:
                return candidate
        raise UnknownConsent(f"{kind} version {version}")

    def current_version(self, kind: str, now: datetime) -> Version:
        effective = [v for v in self.kind(kind).versions if v.effective <= now]
        if not effective:
            raise UnknownConsent(f"{kind} has no version in effect")
        return effective[-1]


CATALOGUE = Catalogue.load()


def kinds() -> list[Kind]:
    """Every kind, in the order the registration form shows them."""
    return list(CATALOGUE.kinds.values())


def kind(name: str) -> Kind:
    return CATALOGUE.kind(name)


def mandatory_kinds() -> list[str]:
    return [k.name for k in CATALOGUE.kinds.values() if k.mandatory]


def current_version(kind: str, now: datetime) -> Version:
    """The version in effect at `now`: the latest whose effective moment has come."""
    return CATALOGUE.current_version(kind, now)


def version(kind: str, version: str) -> Version:
    return CATALOGUE.version(kind, version)


def text(kind: str, version: str) -> str:
    return CATALOGUE.version(kind, version).text
