"""What the office does for an applicant, as plain functions the console and the API share.

Registration is flows.enrolment.register with channel "office" and the operator
as evidence; unlike the public page, the office is told plainly which of the
e-mail and phone already has a cabinet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows import confirmation, expiry, sms_password, validation
from flows.enrolment import Evidence, holders, register
from flows.office import audit
from flows.office.audit import Actor
from flows.sms_password import SmsPasswordError
from idp.accounts import lifecycle, phones
from idp.clock import utcnow
from idp.db import db
from idp.models import Account
from idp.services import settings


class AlreadyRegistered(Exception):
    """The e-mail and/or phone belong to a cabinet that exists; `taken` names which."""

    def __init__(self, taken: list[str]) -> None:
        super().__init__(taken)
        self.taken = taken


class NotWaitingForSms(Exception):
    """The cabinet does not wait for an SMS password (already set, deleted or closed)."""

    message_key = "office_not_waiting_for_sms"


def services_offered() -> tuple[str, ...]:
    return settings().office_services


def create(
    person: validation.PersonData,
    consents: dict[str, bool],
    service: str,
    actor: Actor,
    recreates: str | None = None,
) -> Account:
    """A cabinet waiting for its SMS password, its consents recorded with channel office, the SMS
    queued and one audit record, in one transaction. Raises AlreadyRegistered or SmsPasswordError."""
    action = audit.RECREATED if recreates else audit.CREATED
    details = {"service": service, **({"previous": recreates} if recreates else {})}
    try:
        account = register(
            person,
            consents,
            Evidence(channel="office", operator=actor.evidence_name),
            also=lambda created: audit.record(actor, action, created.sub, **details),
        )
    except SmsPasswordError as exc:
        audit.record(actor, audit.CREATE_REFUSED, refused=exc.message_key)
        db.session.commit()
        raise
    if account is None:
        taken = taken_fields(person)
        audit.record(actor, audit.CREATE_REFUSED, refused="already_registered", taken=",".join(taken))
        db.session.commit()
        raise AlreadyRegistered(taken)
    return account


def taken_fields(person: validation.PersonData) -> list[str]:
    now = utcnow()
    live = [holder for holder in holders(person) if lifecycle.is_live(holder, now)]
    return [
        field
        for field in ("email", "phone")
        if any(getattr(h, field) == getattr(person, field) for h in live)
    ]


def find(query: str) -> list[Account]:
    """Cabinets by phone (as people write it: 8 916…, +7 (916)…, 916…) or by e-mail."""
    text = (query or "").strip()
    if not text:
        return []
    phone = phones.normalize(text)
    condition = Account.phone == phone if phone else Account.email == text.lower()
    return Account.query.filter(condition).order_by(Account.id).all()


def by_sub(sub: str) -> Account | None:
    return Account.query.filter_by(sub=sub).first()


@dataclass(frozen=True)
class Status:
    """A cabinet as the operator sees it: its state and the times that explain it."""

    state: str  # lifecycle state, or "purge_due" for an office cabinet never confirmed in time
    created_at: datetime
    phone_verified_at: datetime | None
    email_verified_at: datetime | None
    password_changed_at: datetime | None
    activation_deadline: datetime | None
    purge_at: datetime | None
    can_resend: bool
    can_recreate: bool


def status(account: Account) -> Status:
    now = utcnow()
    state = lifecycle.state(account, now)
    reason = expiry.purge_reason(account, now)
    if reason == expiry.SMS_UNCONFIRMED:
        state = "purge_due"
    return Status(
        state=state,
        created_at=account.created_at,
        phone_verified_at=account.phone_verified_at,
        email_verified_at=account.email_verified_at,
        password_changed_at=account.password_changed_at,
        activation_deadline=account.activation_deadline,
        purge_at=expiry.unconfirmed_purge_at(account),
        can_resend=reason is None and confirmation.waits_for_sms_password(account),
        can_recreate=reason is not None,
    )


def resend_sms(account: Account, actor: Actor) -> None:
    """A new SMS password, under the limits of «Отправить еще раз?»; one audit record either way.
    Raises NotWaitingForSms or SmsPasswordError (ResendTooSoon, DailyCapReached)."""
    try:
        if not status(account).can_resend:
            raise NotWaitingForSms()
        # What «Отправить еще раз?» pays, counted on the cabinet's own office channel: strangers
        # who spent its login's day at /login/resend do not stop the office (an office has no
        # address budget). Then the phone's own limits, told to the operator.
        sms_password.request(account.email, None, counted_as=sms_password.office_channel(account.sub))
        confirmation.send_password(account)
    except (NotWaitingForSms, SmsPasswordError) as exc:
        db.session.rollback()
        audit.record(actor, audit.SMS_RESENT, account.sub, refused=exc.message_key)
        db.session.commit()
        raise
    audit.record(actor, audit.SMS_RESENT, account.sub)
    db.session.commit()
