"""Fixtures for anything that sends: a real HTTP SMS gateway, a real SMTP server and the
relying parties' back-channel logout endpoints, all on loopback.

Registered as a pytest plugin in tests/conftest.py, so every test folder can ask for
`sms_endpoint`, `smtp_server`, `logout_endpoints` (what the relying parties received),
`delivery_app` (the app on the same database, sending SMS to `sms_endpoint` and e-mail
to `smtp_server`) and `deliver` (one worker pass).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from flows.delivery.worker import deliver_due
from idp.app import create_app
from tests.support.config import make_settings
from tests.support.net import free_port

# aiosmtpd's own session log ("mail.log") is the test mail server talking, not lk-idp:
# keep it out of the suite's captured logs that the leak guard reads.
logging.getLogger("mail.log").propagate = False

SMS_TOKEN = "test-sms-bearer-token"
SMTP_LOGIN = ("lk-idp", "smtp-secret")
MAIL_FROM = "lk@rossetimr.ru"


class SmsEndpoint:
    """An SMS aggregator's hook: records every POST, answers 200, an error, or hangs first."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.port = 0
        self.reset()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def reset(self) -> None:
        with self.changed:
            self.requests: list[dict] = []  # every attempt: json, authorization, content_type, status
            self.status = 200
            self.delay = 0.0

    def fail_with(self, status: int) -> None:
        self.status = status

    def hang(self, seconds: float, then_status: int = 503) -> None:
        """Hold each request `seconds` before answering (longer than the client's timeout)."""
        self.delay, self.status = seconds, then_status

    def recover(self) -> None:
        self.status, self.delay = 200, 0.0

    @property
    def delivered(self) -> list[dict]:
        """The JSON bodies of the SMS the gateway accepted (answered 2xx)."""
        return [r["json"] for r in self.requests if r["status"] < 300]

    def texts_to(self, phone: str) -> list[str]:
        return [body["text"] for body in self.delivered if body["to"] == phone]

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` SMS were accepted (for a worker running in another thread)."""
        with self.changed:
            return self.changed.wait_for(lambda: len(self.delivered) >= count, timeout)

    def handle(self, headers, body: bytes) -> tuple[int, float]:
        status, delay = self.status, self.delay
        with self.changed:
            self.requests.append(
                {
                    "json": json.loads(body.decode("utf-8")),
                    "authorization": headers.get("Authorization"),
                    "content_type": headers.get("Content-Type"),
                    "status": status,
                }
            )
            self.changed.notify_all()
        return status, delay


def _sms_handler(endpoint: SmsEndpoint):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, delay = endpoint.handle(self.headers, body)
            if delay:
                time.sleep(delay)  # the gateway hanging, not the test waiting
            payload = b'{"ok": true}' if status < 300 else b'{"error": "unavailable"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, *args):
            pass

    return Handler


class LogoutEndpoints:
    """Relying parties' back-channel logout endpoints (/<name>/backchannel-logout): each POST
    recorded with its path and form; answers 200, or the status a test sets."""

    def __init__(self) -> None:
        self.port = 0
        self.reset()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}/backchannel-logout"

    def reset(self) -> None:
        self.requests: list[dict] = []
        self.status = 200

    def received(self, name: str) -> list[dict]:
        """The forms POSTed to one relying party's endpoint, in order."""
        return [r["form"] for r in self.requests if r["path"] == f"/{name}/backchannel-logout"]

    def handle(self, path: str, headers, body: bytes) -> int:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        self.requests.append({"path": path, "content_type": headers.get("Content-Type"), "form": form})
        return self.status


def _logout_handler(endpoints: LogoutEndpoints):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(endpoints.handle(self.path, self.headers, body))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


class RecordingSmtp:
    """aiosmtpd handler: keeps each e-mail parsed, can refuse chosen recipients."""

    def __init__(self) -> None:
        self.port = 0
        self.reset()

    def reset(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[dict] = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "login": session.auth_data if session.authenticated else None,
                "raw": envelope.original_content,
            }
        )
        self.messages.append(message_from_bytes(envelope.original_content, policy=default_policy))
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data):
    accepted = (
        isinstance(auth_data, LoginPassword)
        and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        == SMTP_LOGIN
    )
    login = auth_data.login.decode() if accepted else None
    return AuthResult(success=accepted, handled=False, auth_data=login)


def _serve(recorder, handler_class):
    """Serve handler_class on a free loopback port (set on the recorder) until the session ends."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    httpd.daemon_threads = True
    recorder.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield recorder
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def _sms_endpoint_server():
    endpoint = SmsEndpoint()
    yield from _serve(endpoint, _sms_handler(endpoint))


@pytest.fixture(scope="session")
def _logout_endpoints_server():
    endpoints = LogoutEndpoints()
    yield from _serve(endpoints, _logout_handler(endpoints))


@pytest.fixture
def logout_endpoints(_logout_endpoints_server):
    """The relying parties' back-channel logout endpoints, emptied and answering 200."""
    _logout_endpoints_server.reset()
    yield _logout_endpoints_server
    _logout_endpoints_server.reset()


@pytest.fixture
def sms_endpoint(_sms_endpoint_server):
    """The SMS gateway, emptied and answering 200."""
    _sms_endpoint_server.reset()
    yield _sms_endpoint_server
    _sms_endpoint_server.reset()


@pytest.fixture(scope="session")
def _smtp_controller():
    handler = RecordingSmtp()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller):
    """The SMTP server (login optional: SMTP_LOGIN), emptied."""
    _smtp_controller.reset()
    return _smtp_controller


def delivery_overrides(endpoint: SmsEndpoint, smtp: RecordingSmtp) -> dict:
    """Settings that send SMS to `endpoint` and e-mail to `smtp` (for make_settings)."""
    return dict(
        sms_backend="http",
        sms_http_url=endpoint.url,
        sms_http_token=SMS_TOKEN,
        sms_http_timeout=0.3,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_timeout=2.0,
        mail_from=MAIL_FROM,
        delivery_backoff_seconds=10.0,
        delivery_backoff_max=600.0,
        delivery_max_attempts=4,
    )


@pytest.fixture(scope="session")
def _delivery_app(app, backend, server_port, clients_file, _sms_endpoint_server, _smtp_controller):
    overrides = delivery_overrides(_sms_endpoint_server, _smtp_controller)
    return create_app(make_settings(backend, server_port, clients_file, **overrides))


@pytest.fixture
def delivery_app(_delivery_app, sms_endpoint, smtp_server):
    """The app on the test database, delivering to `sms_endpoint` and `smtp_server` for real."""
    with _delivery_app.app_context():
        _delivery_app.extensions["idp"].store.clear()
    return _delivery_app


@pytest.fixture
def deliver(delivery_app):
    """One worker pass through `delivery_app`; returns how many messages went out."""

    def run(now=None) -> int:
        with delivery_app.app_context():
            return deliver_due(now)

    return run
