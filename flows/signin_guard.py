"""Who may try a password or an SMS password now: failures, not attempts, are counted.

Three counters, each a FailureLimit (idp/store/ratelimit.py):

- per (account, address): past the limit that address waits, longer after each
  further failure — the guesser's own address, never the owner's;
- per account: once it passes the limit the account is under attack, and every
  address that has failed for it waits out the window; an address that has not
  failed for it is still let through, so a correct password always gets in;
- per address: sized for a carrier's CGNAT address that thousands share.

"The account" is the account however its login was spelled (e-mail or any
spelling of the phone); for a login that belongs to nobody, the login in its
normal form, so an unknown login is throttled exactly like a real one. A success
clears the account's and the pair's failures. When the account's failures reach
the limit, its owner is told by e-mail, once per window.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows import owner_mail
from flows.links import public_url
from idp.accounts.lookup import normal_login
from idp.db import db
from idp.models import Account
from idp.services import settings
from idp.store.ratelimit import FailureLimit


@dataclass(frozen=True)
class Attempt:
    account_key: str
    address: str
    account: Account | None

    @property
    def pair_key(self) -> str:
        return f"{self.account_key}|{self.address}"


def attempt(login: str, account: Account | None, address: str) -> Attempt:
    if account is not None:
        return Attempt(f"account:{account.id}", address, account)
    return Attempt("login:" + normal_login(login), address, None)


def _limits() -> tuple[FailureLimit, FailureLimit, FailureLimit]:
    limits = settings()
    window = limits.login_attempt_window
    return (
        FailureLimit("login", limits.login_attempts_per_window, window, delay=limits.login_lockout_delay),
        FailureLimit("login-account", limits.login_failures_per_account, window),
        FailureLimit("login-ip", limits.login_failures_per_address, window),
    )


def check(tried: Attempt) -> None:
    """Raise RateLimited when this try must wait; nothing is counted."""
    per_pair, per_account, per_address = _limits()
    pair = per_pair.read(tried.pair_key)
    per_pair.raise_if_waiting(pair)
    per_address.check(tried.address)
    if pair.count:
        per_account.check(tried.account_key)


def failed(tried: Attempt) -> None:
    per_pair, per_account, per_address = _limits()
    per_pair.fail(tried.pair_key)
    per_address.fail(tried.address)
    if per_account.fail(tried.account_key).count == per_account.limit and tried.account is not None:
        _tell_owner(tried.account)


def succeeded(tried: Attempt) -> None:
    per_pair, per_account, _ = _limits()
    per_pair.clear(tried.pair_key)
    per_account.clear(tried.account_key)


def _tell_owner(account: Account) -> None:
    owner_mail.queue(
        account,
        "failed_sign_ins",
        failures=settings().login_failures_per_account,
        minutes=settings().login_attempt_window // 60,
        recovery_link=public_url("recovery.forgot_form"),
    )
    db.session.commit()
