"""Fixtures: the app on the chosen backend, a live HTTP server, accounts and clients."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from idp.app import create_app
from idp.clock import clock, utcnow
from idp.db import db
from idp.settings import load_settings
from tests import backends

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
CONFIDENTIAL = {"client_id": "rp-confidential", "client_secret": "rp-secret-0123456789abcdef"}
PUBLIC = {"client_id": "rp-public"}
# the office CRM (client_credentials, scope office:applicants) and a machine client without that scope
OFFICE_CRM = {"client_id": "office-crm", "client_secret": "office-crm-secret-0123456789"}
OTHER_MACHINE = {"client_id": "other-machine", "client_secret": "other-machine-secret-0123456789"}
RP_CALLBACK = "https://rp.example/cb"
RP_LOGOUT = "https://rp.example/bye"
# Two relying parties sharing one sign-in, each with a back-channel logout endpoint
# (tests/fixtures_delivery.py): the site may ask for offline_access, the portal may not.
SITE = {
    "client_id": "rp-site",
    "client_secret": "rp-site-secret-0123456789",
    "callback": "https://site.example/cb",
}
PORTAL = {
    "client_id": "rp-portal",
    "client_secret": "rp-portal-secret-0123456789",
    "callback": "https://portal.example/cb",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    chosen = backends.Backend(backends.choose(), str(tmp_path_factory.mktemp("db")))
    yield chosen
    chosen.drop()


@pytest.fixture(scope="session")
def server_port():
    return free_port()


@pytest.fixture(scope="session")
def clients_file(tmp_path_factory, server_port, _logout_endpoints_server):
    path = Path(tmp_path_factory.mktemp("clients")) / "clients.toml"
    path.write_text(
        f"""
[[client]]
client_id = "{CONFIDENTIAL["client_id"]}"
client_secret = "{CONFIDENTIAL["client_secret"]}"
token_endpoint_auth_method = "client_secret_basic"
redirect_uris = ["{RP_CALLBACK}", "http://127.0.0.1:{server_port}/demo/callback"]
post_logout_redirect_uris = ["{RP_LOGOUT}"]

[[client]]
client_id = "{PUBLIC["client_id"]}"
token_endpoint_auth_method = "none"
redirect_uris = ["{RP_CALLBACK}"]
post_logout_redirect_uris = ["{RP_LOGOUT}"]

[[client]]
client_id = "demo"
client_secret = "dev-secret-demo-change-me"
token_endpoint_auth_method = "client_secret_post"
redirect_uris = ["http://127.0.0.1:{server_port}/demo/callback"]
post_logout_redirect_uris = ["http://127.0.0.1:{server_port}/demo"]

[[client]]
client_id = "{SITE["client_id"]}"
client_secret = "{SITE["client_secret"]}"
redirect_uris = ["{SITE["callback"]}"]
backchannel_logout_uri = "{_logout_endpoints_server.url("site")}"
scope = "openid profile offline_access"

[[client]]
client_id = "{PORTAL["client_id"]}"
client_secret = "{PORTAL["client_secret"]}"
redirect_uris = ["{PORTAL["callback"]}"]
backchannel_logout_uri = "{_logout_endpoints_server.url("portal")}"
scope = "openid profile"

# A relying party on a real host: in development its logout goes to /dev/outbox only.
[[client]]
client_id = "rp-remote"
client_secret = "rp-remote-secret-0123456789"
redirect_uris = ["{RP_CALLBACK}"]
backchannel_logout_uri = "https://rp.example/backchannel-logout"

[[client]]
client_id = "{OFFICE_CRM["client_id"]}"
client_secret = "{OFFICE_CRM["client_secret"]}"
grant_types = ["client_credentials"]
scope = "office:applicants"

[[client]]
client_id = "{OTHER_MACHINE["client_id"]}"
client_secret = "{OTHER_MACHINE["client_secret"]}"
grant_types = ["client_credentials"]
scope = "reports:read"
"""
    )
    return str(path)


def setting_values(backend, server_port, clients_file, **overrides) -> dict:
    """The settings every test app runs with, as field name → value."""
    values = dict(
        env="development",
        issuer=f"http://127.0.0.1:{server_port}",
        secret_key=TEST_SECRET,
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        store_prefix=backend.store_prefix,
        clients_file=clients_file,
        argon2_time_cost=1,
        argon2_memory_cost=8192,
        delivery_in_process=False,
        even_answer_seconds=0,  # held answers are timed where it matters (tests/flows/test_enumeration.py)
    )
    values.update(overrides)
    return values


def make_settings(backend, server_port, clients_file, **overrides):
    return load_settings(environ={}, **setting_values(backend, server_port, clients_file, **overrides))


@pytest.fixture(scope="session")
def app(backend, server_port, clients_file):
    from flask_migrate import upgrade

    from idp.oidc.clients import load_into_db

    application = create_app(make_settings(backend, server_port, clients_file))
    with application.app_context():
        upgrade()
        load_into_db(clients_file)
    return application


@pytest.fixture(scope="session")
def production_app(app, backend, server_port, clients_file):
    """The app as production configures it (no /demo, no /dev/outbox), on the test database."""
    settings = make_settings(
        backend,
        server_port,
        clients_file,
        env="production",
        issuer="https://lk.example.ru",
        sms_backend="http",
        sms_http_url="http://127.0.0.1:9/sms",
        smtp_host="127.0.0.1",
    )
    return create_app(settings)


@pytest.fixture(scope="session")
def live_server(app, server_port):
    """The app behind a real HTTP server on loopback, for real clients and browsers."""
    httpd = make_server("127.0.0.1", server_port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server_port}"
    httpd.shutdown()


KEEP_TABLES = {"client", "signing_key", "alembic_version"}


@pytest.fixture(autouse=True)
def clean_state(app):
    """Every test starts from the clients and keys alone, and an unmoved clock."""
    clock.reset()
    with app.app_context():
        app.extensions["idp"].store.clear()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                db.session.execute(table.delete())
        db.session.commit()
    yield
    clock.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_account(app):
    """An activated account with a known password."""
    from idp.models import Account

    counter = iter(range(10_000))

    def make(password="Верный-пароль-2026", **fields):
        n = next(counter)
        now = utcnow()
        values = dict(
            email=f"person{n}@example.ru",
            phone=f"+7916555{n:04d}",
            family_name="Иванова",
            given_name="Мария",
            middle_name="Петровна",
            phone_verified_at=now,
            email_verified_at=now,
            password_changed_at=now,
        )
        values.update(fields)
        with app.app_context():
            account = Account(password_hash=app.extensions["idp"].passwords.hash(password), **values)
            db.session.add(account)
            db.session.commit()
            return {
                "id": account.id,
                "sub": account.sub,
                "email": account.email,
                "phone": account.phone,
                "password": password,
            }

    return make


# ops: every log record of the session is checked for personal data and secrets at the end.
# delivery: the SMS gateway and SMTP server fixtures (tests/fixtures_delivery.py).
pytest_plugins = ["tests.ops.leak_guard", "tests.fixtures_delivery"]
