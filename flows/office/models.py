"""The office's durable facts: staff accounts and the append-only staff audit."""

from __future__ import annotations

from sqlalchemy import JSON, Index

from idp.clock import utcnow
from idp.db import UTCDateTime, db
from idp.db.append_only import refuse_changes

OPERATOR = "operator"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"
ROLES = (OPERATOR, SUPERVISOR, ADMINISTRATOR)


class StaffAccount(db.Model):
    """An employee of a client office. Never a customer's account: another table, another cookie."""

    __tablename__ = "staff_account"

    id = db.Column(db.Integer, primary_key=True)
    login = db.Column(db.String(100), unique=True, nullable=False)
    full_name = db.Column(db.String(200), nullable=False)
    role = db.Column(db.String(20), nullable=False, default=OPERATOR)
    password_hash = db.Column(db.String(255), nullable=False)
    totp_secret_sealed = db.Column(db.String(300), nullable=True)  # flows/totp.py; set at enrolment
    totp_last_step = db.Column(db.Integer, nullable=True)  # a code's time step is accepted once
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    disabled_at = db.Column(UTCDateTime, nullable=True)

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret_sealed is not None

    # flows.password_rules reads these to refuse a password equal to the login
    @property
    def email(self) -> str:
        return self.login

    phone = None


class StaffAuditRecordImmutable(RuntimeError):
    """Someone tried to change or delete a staff audit record."""


class StaffAuditRecord(db.Model):
    """One staff action: who (staff account or CRM client), when, from where, what, which cabinet."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_at", "at"),)

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff_account.id"), nullable=True, index=True)
    actor = db.Column(db.String(200), nullable=True)  # the staff login, or "client:<client_id>"
    ip_address = db.Column(db.String(64), nullable=True)
    action = db.Column(db.String(40), nullable=False)
    account_sub = db.Column(db.String(36), nullable=True, index=True)  # the cabinet, by its opaque sub
    details = db.Column(JSON, nullable=False, default=dict)


refuse_changes(StaffAuditRecord, StaffAuditRecordImmutable, "the staff audit is append-only")
