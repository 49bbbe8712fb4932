"""Confirming the phone with the SMS password: sending it, sending it again, accepting it.

A person types the SMS password on its own page after registering (flows.sms_step)
or, as the office's applicant is told, into the ordinary sign-in form («Пароль»,
«Войти»); flows.signin asks `waits_for_sms_password` to tell that case from a
normal password.
"""

from __future__ import annotations

from flows import activation_link, sms_password
from flows.delivery.outbox import enqueue_sms
from idp.accounts.lifecycle import CONFIRMED, REGISTERED, activation_deadline, state
from idp.accounts.lookup import find_by_login
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, audit
from idp.ops import metrics
from idp.services import settings
from idp.web.messages import sms_text


def waits_for_sms_password(account: Account | None) -> bool:
    """The phone is not confirmed yet, or it is but no password was ever set
    (the person left before «Изменить пароль»): the SMS password is how they get in."""
    if account is None:
        return False
    current = state(account, utcnow())
    return current == REGISTERED or (current == CONFIRMED and account.password_changed_at is None)


def send_password(account: Account, quietly: bool = False) -> None:
    """Issue a new SMS password and queue it in the caller's transaction (see
    sms_password.issue for `quietly`). The requester paid with sms_password.request."""
    issued = sms_password.issue(sms_password.CONFIRM, account.sub, account.phone, quietly)
    if issued is not None:
        enqueue_sms(account.phone, sms_text("confirm", code=issued.code))


def resend(login: str, address: str | None) -> None:
    """«Отправить еще раз?»: the same answer whether or not this login waits for an SMS
    password, including the cooldown and the daily cap, so the form tells nobody who is registered."""
    sms_password.request(login, address)
    account = find_by_login(login)
    if waits_for_sms_password(account):
        send_password(account, quietly=True)
        db.session.commit()


def resend_wait(login: str) -> int:
    """Seconds until «Отправить еще раз?» works for this login: its cooldown is the login's,
    never the phone's, so this tells nobody whether the login waits for an SMS password."""
    return sms_password.cooldown_left(sms_password.CONFIRM, sms_password.login_channel(login))


def accept(account: Account, code: str) -> None:
    """Check the SMS password; on the first success the phone is confirmed and the
    activation link goes out (an office registration's deadline starts now)."""
    sms_password.verify(sms_password.CONFIRM, account.sub, code)
    if account.phone_verified_at is None:
        now = utcnow()
        account.phone_verified_at = now
        if account.activation_deadline is None:
            account.activation_deadline = activation_deadline(now, settings().activation_window)
        activation_link.send(account)
        audit("account.phone_verified", subject=account.sub)
        metrics.count("registrations", stage="confirmed")
    db.session.commit()
