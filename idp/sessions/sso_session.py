"""The SSO session: a random id in the signed cookie, the facts in the short-lived store.

A session records who the person is and how they proved it (auth_time, amr,
acr). It can belong to an account that is not active yet: that is how a person
who typed the SMS password goes on to change the password.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field

from flask import session as cookie

from idp.clock import clock
from idp.services import settings, store

ACR_PASSWORD = "urn:rossetimr:lk:acr:pwd"
ACR_SMS = "urn:rossetimr:lk:acr:sms"
ACR_MFA = "urn:rossetimr:lk:acr:mfa"
ACR_LEVELS = [ACR_SMS, ACR_PASSWORD, ACR_MFA]  # weakest first; each includes those before it
SECOND_FACTORS = {"sms", "otp"}  # amr values proven on top of the password


@dataclass
class SsoSession:
    sid: str
    account_id: int
    auth_time: int
    amr: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)

    @property
    def amr_claim(self) -> list[str]:
        """amr as tokens state it (RFC 8176): the methods, and "mfa" once there are two factors."""
        methods = set(self.amr)
        if "pwd" in methods and methods & SECOND_FACTORS:
            methods.add("mfa")
        return sorted(methods)

    @property
    def acr(self) -> str:
        methods = set(self.amr)
        if "pwd" in methods and methods & SECOND_FACTORS:
            return ACR_MFA
        if "pwd" in methods:
            return ACR_PASSWORD
        return ACR_SMS


def _key(sid: str) -> str:
    return f"sso:{sid}"


def current() -> SsoSession | None:
    sid = cookie.get("sid")
    if not sid:
        return None
    data = store().get_json(_key(sid))
    if data is None:
        return None
    return SsoSession(**data)


def save(sso: SsoSession) -> None:
    store().set_json(_key(sso.sid), asdict(sso), settings().session_ttl)


def sign_in(account_id: int, method: str) -> SsoSession:
    """Record a fresh proof. The same account keeps its sid and gains the method (step-up)."""
    now = int(clock.time())
    existing = current()
    if existing and existing.account_id == account_id:
        amr = sorted(set(existing.amr) | {method})
        sso = SsoSession(existing.sid, account_id, now, amr, existing.clients)
    else:
        if existing:
            end()
        sso = SsoSession(secrets.token_urlsafe(24), account_id, now, [method])
    cookie["sid"] = sso.sid  # always a fresh random sid after a new proof: no fixation
    cookie.permanent = True
    save(sso)
    return sso


def remember_client(sso: SsoSession, client_id: str) -> None:
    if client_id not in sso.clients:
        sso.clients.append(client_id)
        save(sso)


def end() -> SsoSession | None:
    sso = current()
    if sso:
        store().delete(_key(sso.sid))
    cookie.pop("sid", None)
    return sso
