"""The `consents` claim: per kind, granted or not, which version, and when."""

from __future__ import annotations

from consent.records import current_state


def consents_claim(account_id: int) -> dict:
    """{kind: {"granted", "version", "at" (epoch seconds), "channel"}} from the latest record per kind.

    A kind the person was never asked about is absent: there is no evidence to report.
    """
    return {
        kind: {
            "granted": row.granted,
            "version": row.version,
            "at": int(row.at.timestamp()),
            "channel": row.channel,
        }
        for kind, row in current_state(account_id).items()
    }
