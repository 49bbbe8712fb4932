"""The rule behind the sign-in form: who is this, and may they in?

One form takes two kinds of secret. An account still waiting for its SMS
password (self-registered a moment ago, or registered in a client office) is
signed in with that; every other account with its password. Which applies is
decided here, from the account, never from anything the browser says.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows import confirmation, signin_guard
from flows.sms_password import SmsPasswordError
from idp.accounts.lifecycle import ACTIVE, CONFIRMED, state
from idp.accounts.lookup import find_by_login
from idp.clock import utcnow
from idp.db import db
from idp.models import Account
from idp.services import services


class SignInRefused(Exception):
    """The message key says why; it is shown on the page."""

    def __init__(self, message_key: str, deadline=None) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.deadline = deadline  # not activated yet: until when it still can be


@dataclass
class SignedIn:
    account: Account
    method: str  # RFC 8176 amr value


def sign_in(login: str, secret: str, address: str) -> SignedIn:
    """Check what was typed into «Пароль»: the SMS password or the account's password.
    Raises RateLimited while this login must wait at this address (signin_guard)."""
    account = find_by_login(login)
    tried = signin_guard.attempt(login, account, address)
    signin_guard.check(tried)
    try:
        if confirmation.waits_for_sms_password(account):
            signed_in = _with_sms_password(account, secret)
        else:
            signed_in = sign_in_with_password(login, secret, account)
    except SignInRefused as refusal:
        if refusal.message_key == "bad_credentials":
            signin_guard.failed(tried)
        raise
    signin_guard.succeeded(tried)
    return signed_in


def _with_sms_password(account: Account, code: str) -> SignedIn:
    """A cabinet waiting for its SMS password. A wrong, spent or expired code reads as a
    wrong password and costs an argon2 check, as a password would: the page must not tell
    a stranger that this login is a new registrant's (nor that its code is burnt)."""
    services().passwords.verify(None, code)
    try:
        confirmation.accept(account, code)
    except SmsPasswordError:
        raise SignInRefused("bad_credentials") from None
    return SignedIn(account, "sms")


def sign_in_with_password(login: str, password: str, account: Account | None = None) -> SignedIn:
    """Check a login and password; the same refusal whether the login exists or not."""
    account = account or find_by_login(login)
    passwords = services().passwords
    if not passwords.verify(account.password_hash if account else None, password):
        raise SignInRefused("bad_credentials")
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash(password)
        db.session.commit()
    current = state(account, utcnow())
    if current == CONFIRMED and account.email_verified_at is None:
        raise SignInRefused("not_activated", deadline=account.activation_deadline)
    if current != ACTIVE:
        raise SignInRefused("bad_credentials")
    return SignedIn(account, "pwd")
