"""A newer mandatory text: who must accept it before any further token, and recording that they did."""

from __future__ import annotations

from datetime import datetime

from consent import catalogue
from consent.records import current_state, record


def outdated_mandatory(account_id: int, now: datetime) -> list[catalogue.Version]:
    """The mandatory versions in effect that this person granted only in an older version.

    A kind never granted is not asked here: registration records every mandatory
    consent, and a withdrawn one has closed the cabinet.
    """
    state = current_state(account_id)
    outdated = []
    for kind in catalogue.mandatory_kinds():
        latest = state.get(kind)
        if latest is None or not latest.granted:
            continue
        current = catalogue.current_version(kind, now)
        if latest.version != current.id:
            outdated.append(current)
    return outdated


def accept(account_id: int, versions: list[catalogue.Version], **evidence) -> None:
    """Record the grant of each accepted version (the caller commits)."""
    for version in versions:
        record(account_id, version.kind, version.id, True, **evidence)
