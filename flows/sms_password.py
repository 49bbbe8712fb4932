"""The SMS password: a short numeric code sent to a phone, its rules as plain functions.

State lives in the short-lived store. Redis expiry cannot follow the project
clock, so every record carries its own timestamps and the rules compare them
with clock.time(); store TTLs only clean up. Codes are kept as an HMAC keyed by
the application secret: a 6-digit code hashed without a secret is read back in
a millisecond.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flows import sms_budget
from idp.accounts.lookup import normal_login
from idp.clock import MOSCOW, clock
from idp.services import settings, store
from idp.store import ratelimit

_KEEP = 24 * 3600  # how long a challenge record is kept so "expired" can be told from "never sent"

# Purposes keep the registration code and the step-up code apart.
CONFIRM = "confirm"
STEP_UP = "stepup"
RECOVER = "recover"


class SmsPasswordError(Exception):
    """Why a code was refused or not sent. The message names what was asked for: the
    registration's SMS password, or a code (step-up, recovery)."""

    password_key = "sms_error"
    code_key = "code_error"

    def __init__(self, *args, purpose: str = CONFIRM) -> None:
        super().__init__(*args)
        self.purpose = purpose

    @property
    def message_key(self) -> str:
        return self.password_key if self.purpose == CONFIRM else self.code_key


class CodeExpired(SmsPasswordError):
    """Past its validity, replaced by a newer one, or never sent."""

    password_key = "sms_expired"
    code_key = "code_expired"


class WrongCode(SmsPasswordError):
    # On the sign-in form a wrong SMS password reads like a wrong password.
    password_key = "bad_credentials"
    code_key = "code_wrong"

    def __init__(self, tries_left: int = 0, purpose: str = CONFIRM) -> None:
        super().__init__(tries_left, purpose=purpose)
        self.tries_left = tries_left


class TooManyAttempts(SmsPasswordError):
    password_key = "sms_too_many_attempts"
    code_key = "code_too_many_attempts"


class ResendTooSoon(SmsPasswordError):
    password_key = "sms_resend_too_soon"
    code_key = "code_resend_too_soon"

    def __init__(self, retry_after: int, purpose: str = CONFIRM) -> None:
        super().__init__(retry_after, purpose=purpose)
        self.retry_after = retry_after


class DailyCapReached(SmsPasswordError):
    password_key = code_key = "sms_daily_cap"


class SmsUnavailable(SmsPasswordError):
    """A budget that covers everyone (all SMS, or this number range) is spent."""

    password_key = code_key = "sms_unavailable"


@dataclass(frozen=True)
class Issued:
    code: str
    expires_at: float


def _digest(challenge_id: str, code: str) -> str:
    key = settings().secret_key.encode()
    return hmac.new(key, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _challenge_key(purpose: str, subject: str) -> str:
    return f"sms:{purpose}:{subject}"


def _moscow_day(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).astimezone(MOSCOW).date().isoformat()


def new_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def _cooldown_key(purpose: str, channel_key: str) -> str:
    # One cooldown per purpose: a step-up or recovery code right after the registration
    # SMS is another message, and neither may block or silently suppress the other.
    return f"sms:cooldown:{purpose}:" + hashlib.sha256(channel_key.encode()).hexdigest()[:32]


def login_channel(login: str) -> str:
    """The key a request for an SMS is counted by: the login asked for, in its normal spelling."""
    return "login:" + normal_login(login)


def proof_channel(proof: str) -> str:
    """The key the requests of a browser that registered are counted by (flows.confirmation)."""
    return "proof:" + proof


def office_channel(subject: str) -> str:
    """The key the office's requests for a cabinet are counted by (flows.office.applicants)."""
    return "office:" + subject


def cooldown_left(purpose: str, channel_key: str) -> int:
    """Seconds until another SMS of this purpose may be asked for on this key; 0 when now."""
    last = store().get(_cooldown_key(purpose, channel_key))
    if last is None:
        return 0
    return max(0, int(float(last) + settings().sms_resend_cooldown - clock.time()) + 1)


def allow_send(channel_key: str, purpose: str = CONFIRM) -> None:
    """Count one SMS of this purpose on this key (a phone or a login): ResendTooSoon within
    the purpose's cooldown, DailyCapReached past the key's daily cap, all purposes together
    (a Moscow calendar day)."""
    limits = settings()
    now = clock.time()
    cooldown_key = _cooldown_key(purpose, channel_key)
    stamp = str(now)
    if not store().set(cooldown_key, stamp, limits.sms_resend_cooldown + 1, only_if_absent=True):
        last = float(store().get(cooldown_key) or 0)
        if now < last + limits.sms_resend_cooldown:
            raise ResendTooSoon(int(last + limits.sms_resend_cooldown - now) + 1, purpose)
        store().set(cooldown_key, stamp, limits.sms_resend_cooldown + 1)
    try:
        ratelimit.hit("sms-day", f"{channel_key}:{_moscow_day(now)}", limits.sms_daily_cap, 2 * 24 * 3600)
    except ratelimit.RateLimited:
        raise DailyCapReached(purpose=purpose) from None


def request(
    asked_for: str,
    address: str | None,
    also_for: tuple[str, ...] = (),
    purpose: str = CONFIRM,
    counted_as: str | None = None,
) -> None:
    """What every request for an SMS pays, whether or not one goes out, so that the answer
    never tells whether a cabinet exists: the requester's budgets and the global one, then
    the cooldown and daily cap of the login asked for (in its normal spelling, never the
    phone it may lead to). Logins in `also_for` are counted the same but never refuse (a
    registration asks for its phone, and starts the e-mail's cooldown too). `counted_as`, a
    channel, counts the request there instead of on the login's (a registering browser's
    proof, the office). Raises RateLimited when the requester's budget is spent,
    SmsPasswordError otherwise."""
    spent = sms_budget.check_requester(address)
    if spent is not None:
        if spent.everyone:
            raise SmsUnavailable(purpose=purpose)
        raise ratelimit.RateLimited(spent.retry_after)
    allow_send(counted_as or login_channel(asked_for), purpose)
    for login in also_for:
        with contextlib.suppress(SmsPasswordError):
            allow_send(login_channel(login), purpose)
    sms_budget.spend_requester(address)


def issue(
    purpose: str, subject: str, phone: str, quietly: bool = False, proven: bool = False
) -> Issued | None:
    """A fresh code for this subject; any earlier one stops working. The caller sends it.
    The phone's own cooldown and daily cap raise ResendTooSoon / DailyCapReached, or with
    `quietly` (a login asked for by someone who has not proven the phone) return None: the
    earlier code stays and the caller answers as if sent. What such requests send is counted
    apart, unless they are `proven` (by the browser that registered), and so is a recovery
    code: strangers' requests never spend what the registration, the office and the person's
    own browser may send. SmsUnavailable when the number's range or all SMS are over budget."""
    asked_by_anyone = quietly and not proven
    scope = "recover" if purpose == RECOVER else "phone-asked" if asked_by_anyone else "phone"
    try:
        allow_send(f"{scope}:{phone}", purpose)
    except SmsPasswordError:
        if quietly:
            return None
        raise
    if sms_budget.check_delivery(phone) is not None:
        raise SmsUnavailable(purpose=purpose)
    sms_budget.spend_delivery(phone)
    limits = settings()
    now = clock.time()
    challenge_id = secrets.token_urlsafe(12)
    code = new_code(limits.sms_code_length)
    record = {
        "id": challenge_id,
        "hash": _digest(challenge_id, code),
        "expires_at": now + limits.sms_code_ttl,
    }
    store().set_json(_challenge_key(purpose, subject), record, max(_KEEP, limits.sms_code_ttl))
    return Issued(code, record["expires_at"])


def has_live_code(purpose: str, subject: str) -> bool:
    record = store().get_json(_challenge_key(purpose, subject))
    return record is not None and clock.time() < record["expires_at"]


def tries_left(purpose: str, subject: str) -> int:
    """How many more tries the live code allows (all of them when there is none)."""
    limits = settings()
    record = store().get_json(_challenge_key(purpose, subject))
    if record is None:
        return limits.sms_max_attempts
    used = int(store().get(f"sms:tries:{record['id']}") or 0)
    return max(0, limits.sms_max_attempts - used)


def verify(purpose: str, subject: str, code: str) -> None:
    """Accept the code once, or raise why not. Each try is counted before it is
    compared, so parallel guesses cannot exceed the limit."""
    limits = settings()
    key = _challenge_key(purpose, subject)
    record = store().get_json(key)
    if record is None or clock.time() >= record["expires_at"]:
        raise CodeExpired(purpose=purpose)
    tries = store().incr(f"sms:tries:{record['id']}", max(_KEEP, limits.sms_code_ttl))
    if tries > limits.sms_max_attempts:
        raise TooManyAttempts(purpose=purpose)
    candidate = "".join((code or "").split())
    if not hmac.compare_digest(record["hash"], _digest(record["id"], candidate)):
        if tries >= limits.sms_max_attempts:
            raise TooManyAttempts(purpose=purpose)
        raise WrongCode(limits.sms_max_attempts - tries, purpose)
    consumed = store().getdel_json(key)
    if consumed is None or consumed["id"] != record["id"]:
        raise CodeExpired(purpose=purpose)  # used a moment ago by a parallel request, or replaced by a resend
