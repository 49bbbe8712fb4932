"""The staff audit: one append-only record per staff action, and the supervisor's reading of it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from flows.office.models import StaffAccount, StaffAuditRecord
from idp.clock import MOSCOW
from idp.db import db

SIGNED_IN = "staff.signed_in"
SIGN_IN_FAILED = "staff.sign_in_failed"
SIGNED_OUT = "staff.signed_out"
CREATED = "applicant.created"
CREATE_REFUSED = "applicant.create_refused"
RECREATED = "applicant.recreated"
SMS_RESENT = "applicant.sms_resent"
SEARCHED = "applicant.searched"
VIEWED = "applicant.viewed"
ACKNOWLEDGEMENT = "applicant.acknowledgement"
AUDIT_VIEWED = "audit.viewed"
STAFF_DISABLED = "staff.disabled"
STAFF_TOTP_RESET = "staff.totp_reset"
AUDIT_EXPORTED = "audit.exported"

CSV_COLUMNS = ("at", "actor", "ip_address", "action", "account_sub", "details")
PAGE_SIZE = 200


@dataclass(frozen=True)
class Actor:
    """Who acts for the office: a staff member in the console or a CRM client through the API."""

    actor: str
    ip_address: str | None
    staff_id: int | None = None
    evidence_name: str = ""  # how consent records name the operator

    @classmethod
    def staff(cls, staff: StaffAccount, ip_address: str | None) -> Actor:
        return cls(staff.login, ip_address, staff.id, f"{staff.full_name} ({staff.login})"[:100])

    @classmethod
    def client(cls, client_id: str, ip_address: str | None) -> Actor:
        name = f"client:{client_id}"
        return cls(name[:200], ip_address, None, name[:100])


def record(actor: Actor, action: str, account_sub: str | None = None, **details) -> StaffAuditRecord:
    """Add one record to the caller's transaction (the caller commits)."""
    entry = StaffAuditRecord(
        staff_id=actor.staff_id,
        actor=actor.actor,
        ip_address=actor.ip_address,
        action=action,
        account_sub=account_sub,
        details=details,
    )
    db.session.add(entry)
    return entry


def search(
    actor: str | None = None,
    account_sub: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = PAGE_SIZE,
) -> list[StaffAuditRecord]:
    """Records newest first, filtered by who acted, which cabinet, and a time range [since, until)."""
    query = StaffAuditRecord.query
    if actor:
        query = query.filter(StaffAuditRecord.actor == actor)
    if account_sub:
        query = query.filter(StaffAuditRecord.account_sub == account_sub)
    if since:
        query = query.filter(StaffAuditRecord.at >= since)
    if until:
        query = query.filter(StaffAuditRecord.at < until)
    query = query.order_by(StaffAuditRecord.id.desc())
    return query.limit(limit).all() if limit else query.all()


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: keep it text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def as_csv(rows: list[StaffAuditRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        details = ";".join(f"{k}={v}" for k, v in sorted(row.details.items()))
        at = row.at.astimezone(MOSCOW).isoformat()  # with its offset: the page's times, unambiguous
        cells = [at, row.actor, row.ip_address, row.action, row.account_sub, details]
        writer.writerow([_cell(value) for value in cells])
    return out.getvalue()


def service_of(account_sub: str) -> str | None:
    """The service named when this cabinet was created at the office (for the acknowledgement)."""
    row = (
        StaffAuditRecord.query.filter(
            StaffAuditRecord.account_sub == account_sub,
            StaffAuditRecord.action.in_((CREATED, RECREATED)),
        )
        .order_by(StaffAuditRecord.id.desc())
        .first()
    )
    return row.details.get("service") if row else None
