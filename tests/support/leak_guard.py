"""pytest plugin: no personal data or secret the suite used may appear in any log record.

Every record that reaches the root logger during the session is kept (its
message, extra fields and traceback, unescaped). Meanwhile the values worth protecting are noted
where the code creates them, whichever test or helper did so: account e-mails,
phones and names (on insert), every password hashed, client secrets, access and
refresh tokens, authorization codes, session ids, and what the outbox carries
(recipients, SMS codes, link tokens). When the session ends, a record holding any
of them, or an /authorize or /activate query string, fails the run.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlparse

import pytest
from sqlalchemy import event

from flows.delivery.outbox import OutboxMessage
from idp.accounts.passwords import Passwords
from idp.models import Account
from idp.oidc import clients, server, tokens
from idp.ops.logging_setup import _STANDARD_ATTRS
from idp.sessions import sso_session
from tests.support.config import CONFIDENTIAL, TEST_SECRET

MIN_LENGTH = 4
_LINK = re.compile(r"https?://[^\s\"'<>]+")
_CODE = re.compile(r"(?<!\d)\d{4,10}(?!\d)")
_TOKENISH = re.compile(r"^[A-Za-z0-9._~-]{16,}$")
_QUERY_STRINGS = re.compile(r"/(authorize|activate)[^\s\"?]*\?")


class Watch:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.records: list[tuple[str, str]] = []  # (logger name, formatted record)

    def remember(self, value, kind: str) -> None:
        if isinstance(value, str) and len(value) >= MIN_LENGTH:
            self.values.setdefault(value, kind)
            if kind == "phone" and value.startswith("+"):
                self.values.setdefault(value[1:], kind)

    def remember_message_body(self, text: str | None, sms: bool) -> None:
        if sms:  # an SMS carries the password; an e-mail's numbers are dates and phone numbers
            for code in _CODE.findall(text or ""):
                self.remember(code, "code in a message")
        for link in _LINK.findall(text or ""):
            parsed = urlparse(link)
            parts = [v for _, v in parse_qsl(parsed.query)]
            parts += [p for p in parsed.path.split("/") if len(p) >= 20 and re.search(r"\d", p)]
            for part in parts:
                if _TOKENISH.match(part):
                    self.remember(part, "token in a link")


watch = Watch()


def _alternation(values, boundary: str) -> re.Pattern | None:
    if not values:
        return None
    body = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(f"(?<!{boundary})(?:{body})(?!{boundary})" if boundary else f"(?:{body})")


def leaks(records: list[tuple[str, str]], values: dict[str, str]) -> list[str]:
    """Each finding names what leaked and the logger that wrote it, never the value itself."""
    # Digit-only values (codes, phones without +) count only as whole numbers, so that
    # a code is not "found" inside a longer number or a hex request id.
    numbers = _alternation([v for v in values if v.isdigit()], "[0-9A-Za-z]")
    others = _alternation([v for v in values if not v.isdigit()], "")
    found = []
    for logger, record in records:
        match = _QUERY_STRINGS.search(record)
        if match:
            found.append(f"query string of /{match.group(1)} in a record of logger {logger!r}")
        for pattern in (numbers, others):
            for hit in pattern.finditer(record) if pattern else ():
                found.append(f"{values[hit.group(0)]} in a record of logger {logger!r}")
    return found


class _Capture(logging.Handler):
    """Keeps what a record would put in the log: its message, its extra fields, its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            parts = [record.getMessage()]
        except Exception:
            parts = [f"{record.msg!r} {record.args!r}"]
        parts += [f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD_ATTRS]
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        watch.records.append((record.name, "\n".join(parts)))


_handler: _Capture | None = None


def _ensure_handler() -> None:
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)  # production's level: what INFO would write must be clean too


def _wrap(owner, name: str, note) -> None:
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        note(args, kwargs, result)
        return result

    wrapper.__wrapped__ = original
    setattr(owner, name, wrapper)


def _watch_code() -> None:
    watch.remember(CONFIDENTIAL["client_secret"], "client secret")
    watch.remember(TEST_SECRET, "secret key")
    watch.remember("dev-secret-demo-change-me", "client secret")

    _wrap(
        Passwords,
        "hash",
        lambda a, k, r: watch.remember(a[1] if len(a) > 1 else k.get("password"), "password"),
    )
    _wrap(clients, "new_secret", lambda a, k, r: watch.remember(r, "client secret"))
    _wrap(tokens, "new_access_token", lambda a, k, r: watch.remember(r, "access token"))
    _wrap(tokens, "refresh_token_for", lambda a, k, r: watch.remember(r, "refresh token"))
    _wrap(
        server.CodeGrant,
        "save_authorization_code",
        lambda a, k, r: watch.remember(a[1], "authorization code"),
    )
    _wrap(sso_session, "save", lambda a, k, r: watch.remember(a[0].sid, "session id"))

    @event.listens_for(Account, "before_insert")
    @event.listens_for(Account, "before_update")
    def _account(mapper, connection, account):
        watch.remember(account.email, "e-mail")
        watch.remember(account.phone, "phone")
        for name in (account.family_name, account.given_name, account.middle_name):
            watch.remember(name, "name")

    @event.listens_for(OutboxMessage, "before_insert")
    def _message(mapper, connection, message):
        watch.remember(message.recipient, "e-mail" if "@" in message.recipient else "phone")
        watch.remember_message_body(message.body_text, sms=message.channel == "sms")
        watch.remember_message_body(message.body_html, sms=False)


def pytest_configure(config):
    global _handler
    _handler = _Capture()
    _ensure_handler()
    _watch_code()


def pytest_runtest_setup(item):
    _ensure_handler()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"log leak check: {len(watch.records)} log records searched for {len(watch.values)} values"
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    findings = leaks(watch.records, watch.values)
    if not findings:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"log leak check: {len(findings)} record(s) carry personal data or secrets:"]
    lines += [f"  {line}" for line in findings[:50]]
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True)
        else:
            print(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
