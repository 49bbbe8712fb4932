"""Confirming the phone with the SMS password: sending it, sending it again, accepting it.

A person types the SMS password on its own page after registering (flows.sms_step)
or, as the office's applicant is told, into the ordinary sign-in form («Пароль»,
«Войти»); flows.signin asks `waits_for_sms_password` to tell that case from a
normal password.
"""

from __future__ import annotations

import hashlib
import secrets

from flows import activation_link, sms_password
from flows.delivery.outbox import enqueue_sms
from idp.accounts.lifecycle import CONFIRMED, REGISTERED, activation_deadline, state
from idp.accounts.lookup import find_by_login
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, audit
from idp.ops import metrics
from idp.services import settings, store
from idp.web.messages import sms_text


def waits_for_sms_password(account: Account | None) -> bool:
    """The phone is not confirmed yet, or it is but no password was ever set
    (the person left before «Изменить пароль»): the SMS password is how they get in."""
    if account is None:
        return False
    current = state(account, utcnow())
    return current == REGISTERED or (current == CONFIRMED and account.password_changed_at is None)


PROOF_TTL = 24 * 3600  # longer than the SMS step of a registration takes


def send_password(account: Account, quietly: bool = False, proven: bool = False) -> None:
    """Issue a new SMS password and queue it in the caller's transaction (see
    sms_password.issue for `quietly` and `proven`). The requester paid with sms_password.request."""
    issued = sms_password.issue(sms_password.CONFIRM, account.sub, account.phone, quietly, proven)
    if issued is not None:
        enqueue_sms(account.phone, sms_text("confirm", code=issued.code))


def _proof_key(proof: str) -> str:
    return "sms-proof:" + hashlib.sha256(proof.encode()).hexdigest()[:32]


def new_proof(created: Account | None) -> str:
    """The registering browser's proof, for its SMS step: a stranger's «Отправить еще раз?» for
    this login never spends what this browser may ask for. Every registration gets one, and
    its first SMS counts on it, whether or not a cabinet was created (the e-mail or phone may
    be taken): only the store knows which proofs name a cabinet."""
    proof = secrets.token_urlsafe(24)
    if created is not None:
        store().set(_proof_key(proof), created.sub, PROOF_TTL)
    sms_password.allow_send(sms_password.proof_channel(proof))  # a new channel: never refuses
    return proof


def _counted_on(login: str, proof: str | None) -> str:
    """The channel a «Отправить еще раз?» is counted on: the registering browser's proof, or
    the login asked for."""
    return sms_password.proof_channel(proof) if proof else sms_password.login_channel(login)


def resend(login: str, address: str | None, proof: str | None = None) -> None:
    """«Отправить еще раз?»: the same answer whether or not this login waits for an SMS
    password, including the cooldown and the daily cap, so the form tells nobody who is
    registered. With the registering browser's `proof`, counted on it instead of the login."""
    sms_password.request(login, address, counted_as=_counted_on(login, proof))
    account = find_by_login(login)
    if waits_for_sms_password(account):
        proven = proof is not None and store().get(_proof_key(proof)) == account.sub
        send_password(account, quietly=True, proven=proven)
        db.session.commit()


def resend_wait(login: str, proof: str | None = None) -> int:
    """Seconds until «Отправить еще раз?» works: the cooldown of the proof, or of the login,
    never the phone's, so this tells nobody whether the login waits for an SMS password."""
    return sms_password.cooldown_left(sms_password.CONFIRM, _counted_on(login, proof))


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
