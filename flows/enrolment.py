"""Creating a cabinet: by the person on the registration page, or by a client-office employee.

One transaction holds the account, its consent records, the SMS password in
the outbox and the removal of an expired cabinet that held the same e-mail or
phone. If the e-mail or phone belongs to a cabinet that still exists, nothing is
created and its owner is told by e-mail; the caller shows the same page as on
success, so the form reveals nobody's registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from consent import catalogue, records
from flows import confirmation, expiry, owner_mail, sms_password
from flows.links import public_url
from flows.sms_password import SmsPasswordError
from flows.validation import PersonData
from idp.accounts.lifecycle import activation_deadline, is_live
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, audit, new_sub
from idp.ops import metrics
from idp.services import settings
from idp.web.locale import tag_of_page


@dataclass(frozen=True)
class Evidence:
    """How the consents were given: on the web page, or in a client office by an operator."""

    channel: str  # "web" | "office"
    ip_address: str | None = None
    user_agent: str | None = None
    operator: str | None = None

    @property
    def registered_by(self) -> str:
        return "office" if self.channel == "office" else "self"


def register(
    person: PersonData,
    consents: dict[str, bool],
    evidence: Evidence,
    also: Callable[[Account], object] | None = None,
) -> Account | None:
    """The new account, or None when the e-mail or phone is taken (the owner was notified).
    `also` adds to the same transaction (the office's audit record of who created it).
    Raises ResendTooSoon / DailyCapReached when no SMS may be asked for this e-mail or phone
    now, taken or not, and RateLimited when the requester's SMS budget is spent."""
    sms_password.request(person.phone, evidence.ip_address, also_for=(person.email,))
    try:
        return _register_once(person, consents, evidence, also)
    except IntegrityError:
        # A parallel registration with the same e-mail or phone committed first: this
        # one now sees that cabinet and takes the already-registered path.
        db.session.rollback()
        return _register_once(person, consents, evidence, also)
    except SmsPasswordError:
        db.session.rollback()
        raise


def holders(person: PersonData) -> list[Account]:
    """The accounts that hold this e-mail or this phone (live or not)."""
    return Account.query.filter(or_(Account.email == person.email, Account.phone == person.phone)).all()


def _register_once(person: PersonData, consents: dict[str, bool], evidence: Evidence, also) -> Account | None:
    now = utcnow()
    taken = []
    for holder in holders(person):
        reason = expiry.purge_reason(holder, now)
        if reason is None or not expiry.erase(holder.id, holder.registered_by, reason, now):
            taken.append(holder)
    if taken:
        for owner in taken:
            if is_live(owner, now):
                _notify_owner(owner)
        db.session.commit()
        return None
    account = Account(
        sub=new_sub(),
        family_name=person.family_name,
        given_name=person.given_name,
        middle_name=person.middle_name,
        email=person.email,
        phone=person.phone,
        registered_by=evidence.registered_by,
        created_at=now,
        locale=tag_of_page(),  # e-mails to the owner speak it (a web registration's page language)
        # An office registration's deadline starts when the activation link is sent.
        activation_deadline=(
            activation_deadline(now, settings().activation_window)
            if evidence.registered_by == "self"
            else None
        ),
    )
    db.session.add(account)
    db.session.flush()
    for kind, granted in consents.items():
        records.record(
            account.id,
            kind,
            catalogue.current_version(kind, now).id,
            granted,
            channel=evidence.channel,
            ip_address=evidence.ip_address,
            user_agent=(evidence.user_agent or "")[:300] or None,
            operator=evidence.operator,
        )
    confirmation.send_password(account)
    audit("account.registered", subject=account.sub, registered_by=evidence.registered_by)
    if also is not None:
        also(account)
    db.session.commit()
    metrics.count("registrations", stage="started")
    return account


def _notify_owner(owner: Account) -> None:
    owner_mail.queue(owner, "already_registered", login_link=public_url("login.login_form"))
