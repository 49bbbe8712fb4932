"""The worker as operators run it: `lk-idp worker`, or a thread inside the web process."""

from __future__ import annotations

from flows.delivery.outbox import enqueue_sms
from flows.delivery.worker import run_pass, stop_in_process
from idp.app import create_app
from idp.db import db
from idp.sessions import sso_session
from idp.store import StoreUnavailable
from tests.support.config import make_settings
from tests.support.delivery import delivery_overrides

PHONE = "+79161234567"


def test_worker_command_once_delivers_what_is_due(queue, delivery_app, sms_endpoint):
    queue.sms(PHONE, "Пароль: 111222")

    result = delivery_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    assert sms_endpoint.texts_to(PHONE) == ["Пароль: 111222"]


def test_embedded_worker_thread_delivers_after_first_request(
    backend, server_port, clients_file, sms_endpoint, smtp_server
):
    overrides = delivery_overrides(sms_endpoint, smtp_server)
    overrides.update(delivery_in_process=True, delivery_poll_interval=0.05)
    app = create_app(make_settings(backend, server_port, clients_file, **overrides))
    try:
        assert app.extensions["idp.delivery"]["thread"] is None  # CLI commands never start it
        app.test_client().get("/login")  # the first request that reaches Flask
        with app.app_context():
            enqueue_sms(PHONE, "Пароль: 333444")
            db.session.commit()

        assert sms_endpoint.wait_for(1, timeout=10)
        assert sms_endpoint.texts_to(PHONE) == ["Пароль: 333444"]
    finally:
        stop_in_process(app)
    assert not app.extensions["idp.delivery"]["thread"].is_alive()


def test_each_pass_ends_the_expired_sessions_first(queue, delivery_app, sms_endpoint, monkeypatch):
    passes = []
    monkeypatch.setattr(sso_session, "end_expired", lambda: passes.append("swept"))
    queue.sms(PHONE, "Пароль: 555666")
    with delivery_app.app_context():
        assert run_pass() == 1
    assert passes == ["swept"]


def test_a_pass_delivers_while_the_store_is_down(queue, delivery_app, sms_endpoint, monkeypatch, caplog):
    def store_down():
        raise StoreUnavailable("Redis went away")

    monkeypatch.setattr(sso_session, "end_expired", store_down)
    queue.sms(PHONE, "Пароль: 777888")
    with delivery_app.app_context():
        assert run_pass() == 1  # what is queued already goes out
    assert sms_endpoint.texts_to(PHONE) == ["Пароль: 777888"]
    assert "expired sessions not ended this pass" in caplog.text
