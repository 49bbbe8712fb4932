"""The `consents` claim: per kind, granted or not, which version, and when."""

from __future__ import annotations

from consent.records import current_state


def consents_claim(account_id: int) -> dict:
    return {
        kind: {"granted": row.granted, "version": row.version, "at": int(row.at.timestamp())}
        for kind, row in current_state(account_id).items()
    }
