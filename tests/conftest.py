"""Fixtures: the app on the chosen backend, a live HTTP server, accounts and clients."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import uvicorn
from flask_migrate import upgrade
from werkzeug.serving import make_server

from idp.app import create_app
from idp.clock import clock, utcnow
from idp.db import db
from idp.models import Account
from idp.oidc.clients import load_into_db
from idp.serving.asgi_bridge import FlaskOnAsgi
from tests.support import backends, moscow_clock
from tests.support.config import clients_toml, make_settings
from tests.support.net import free_port
from tests.support.outbox import Outbox
from tests.support.pages import post_form
from tests.support.registration import PERSON


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
    path.write_text(clients_toml(server_port, _logout_endpoints_server.url))
    return str(path)


@pytest.fixture(scope="session")
def app(backend, server_port, clients_file):
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


# The protocol tests run under both worker classes: the WSGI app as gthread serves it,
# and the ASGI application gunicorn's ASGI worker serves (idp/serving/asgi_bridge.py).
BOTH_WORKER_CLASSES = ("tests/oidc/", "tests/consent/")


def pytest_generate_tests(metafunc):
    if "live_server" in metafunc.fixturenames:
        path = metafunc.definition.path.relative_to(Path(__file__).resolve().parent.parent).as_posix()
        kinds = ["gthread", "asgi"] if path.startswith(BOTH_WORKER_CLASSES) else ["gthread"]
        metafunc.parametrize("live_server", kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def live_server(request, app, server_port):
    """The app behind a real HTTP server on loopback, for real clients and browsers:
    werkzeug's threaded server on the WSGI app (as gthread), or uvicorn on the ASGI
    application of gunicorn's ASGI worker."""
    if getattr(request, "param", "gthread") == "asgi":
        yield from _asgi_server(app, server_port)
        return
    httpd = make_server("127.0.0.1", server_port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server_port}"
    httpd.shutdown()
    httpd.server_close()


def _asgi_server(app, port: int):
    application = FlaskOnAsgi(app)
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    application.shutdown()


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
def a_moscow_morning():
    """Moves the clock to the next 09:00 in Moscow: a test that counts a day's SMS (a Moscow
    calendar day) must not see midnight come while it runs, whenever the suite is run."""
    moscow_clock.advance_to(9)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_account(app):
    """An activated account with a known password."""
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


@pytest.fixture
def outbox(app):
    """What the delivery worker would send, read from the outbox table."""
    return Outbox(app)


@pytest.fixture
def register(client):
    """Submit the registration form with the standard person, changed by keyword arguments."""

    def submit(ia=None, **changes):
        data = {**PERSON, **changes}
        data = {k: v for k, v in data.items() if v is not None}
        if ia:
            data["ia"] = ia
        return post_form(client, "/register", "/register", data)

    return submit


@pytest.fixture
def sign_in(client):
    def submit(login, password, ia=None):
        data = {"login": login, "password": password}
        if ia:
            data["ia"] = ia
        return post_form(client, "/login", "/login", data)

    return submit


# leak_guard: every log record of the session is checked for personal data and secrets at the end.
# delivery: the SMS gateway and SMTP server fixtures.
pytest_plugins = ["tests.support.leak_guard", "tests.support.delivery", "tests.support.catalogue_versions"]
