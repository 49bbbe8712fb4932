"""The e-mailed activation link: a signed token bound to the account and its e-mail.

The token needs no table: its signature proves we issued it, the account's
activation_deadline says until when it works, and email_verified_at is the
single-use marker (once set, every link for the account reads as used).
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from flows import owner_mail
from flows.links import public_url
from idp.accounts import account_view
from idp.accounts.lifecycle import is_expired
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, audit
from idp.ops import metrics
from idp.services import settings
from idp.web.formats import moscow_time


class LinkError(Exception):
    message_key = "activation_invalid"


class LinkInvalid(LinkError):
    message_key = "activation_invalid"


class LinkExpired(LinkError):
    message_key = "activation_expired"


class LinkUsed(LinkError):
    message_key = "activation_used"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(settings().secret_key, salt="lk-idp.activation")


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def make_token(account: Account) -> str:
    return _serializer().dumps({"s": account.sub, "e": _email_tag(account.email)})


def check(token: str) -> Account:
    """The account this link would activate now, or the reason it will not."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise LinkInvalid() from None
    account = Account.query.filter_by(sub=data.get("s")).first()
    if account is None or _email_tag(account.email) != data.get("e"):
        raise LinkExpired()  # deleted after its deadline (a new registration has a new sub)
    if account.email_verified_at is not None:
        raise LinkUsed()
    if account.activation_deadline is None or is_expired(account, utcnow()):
        raise LinkExpired()
    return account


def activate(token: str) -> Account:
    """Use the link once; a parallel second use reads as already used."""
    account = check(token)
    now = utcnow()
    done = db.session.execute(
        update(Account)
        .where(Account.id == account.id, Account.email_verified_at.is_(None))
        .where(Account.activation_deadline > now)
        .values(email_verified_at=now)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise LinkUsed()
    account_view.changed(db.session, account.id)
    audit("account.activated", subject=account.sub)
    db.session.commit()
    metrics.count("registrations", stage="activated")
    db.session.refresh(account)
    return account


def send(account: Account) -> None:
    """Queue the activation e-mail in the caller's transaction, in the owner's language."""
    link = public_url("activation.confirm_form", token=make_token(account))
    owner_mail.queue(account, "activation", link=link, deadline=deadline_text(account))


def deadline_text(account: Account) -> str:
    """Until when the link works, as the person reads it: Moscow time, to the minute."""
    return moscow_time(account.activation_deadline)


def waits_for_activation(account: Account | None) -> bool:
    return (
        account is not None
        and account.phone_verified_at is not None
        and account.email_verified_at is None
        and account.activation_deadline is not None
        and not is_expired(account, utcnow())
    )
