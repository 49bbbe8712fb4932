"""The consent checkboxes of the registration form: what is offered, and what the person ticked.

Each checkbox is named `consent_<kind>` and carries the version id it showed, so
that the record names the exact text the person saw, even if a newer one took
effect while the form was open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consent import catalogue
from consent.records import record


class MandatoryConsentMissing(ValueError):
    """A mandatory checkbox was not ticked; `kinds` names them."""

    def __init__(self, kinds: list[str]) -> None:
        super().__init__(", ".join(kinds))
        self.kinds = kinds


@dataclass(frozen=True)
class Offer:
    kind: catalogue.Kind
    version: catalogue.Version

    @property
    def field(self) -> str:
        return f"consent_{self.kind.name}"


def offers(now: datetime) -> list[Offer]:
    """One checkbox per kind, with the version in effect now."""
    return [Offer(kind, catalogue.current_version(kind.name, now)) for kind in catalogue.kinds()]


def read_form(form, now: datetime) -> dict[str, str | None]:
    """{kind: version ticked, or None} for every kind; raises MandatoryConsentMissing."""
    choices: dict[str, str | None] = {}
    for offer in offers(now):
        shown = form.get(offer.field) or None
        try:
            choices[offer.kind.name] = catalogue.version(offer.kind.name, shown).id if shown else None
        except catalogue.UnknownConsent:
            choices[offer.kind.name] = None
    missing = [kind for kind in catalogue.mandatory_kinds() if choices.get(kind) is None]
    if missing:
        raise MandatoryConsentMissing(missing)
    return choices


def record_choices(account_id: int, choices: dict[str, str | None], now: datetime, **evidence) -> None:
    """One record per kind: a grant of the ticked version, or a refusal of the current one."""
    for kind, version in choices.items():
        if version is None:
            record(account_id, kind, catalogue.current_version(kind, now).id, False, **evidence)
        else:
            record(account_id, kind, version, True, **evidence)
