"""SMS through the HTTP gateway: exact request, retries with backoff, dead letter, no duplicates."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from flows.delivery.errors import DeliveryFailed
from flows.delivery.sms import HttpSms
from flows.delivery.worker import backoff_delay, claim, deliver_due
from idp.clock import clock
from tests.support.delivery import SMS_TOKEN
from tests.support.metrics import scrape, value
from tests.support.net import free_port

PHONE = "+79161234567"
TEXT = "Пароль для входа в личный кабинет: 482915"
BASE = 10.0  # delivery_backoff_seconds of delivery_app
MAX_ATTEMPTS = 4


def test_sms_is_posted_as_json_with_bearer(queue, deliver, sms_endpoint):
    message_id = queue.sms(PHONE, TEXT)

    assert deliver() == 1

    [request] = sms_endpoint.requests
    assert request["json"] == {"to": PHONE, "text": TEXT}
    assert request["authorization"] == f"Bearer {SMS_TOKEN}"
    assert request["content_type"].startswith("application/json")
    row = queue.row(message_id)
    assert row["sent_at"] is not None and row["attempts"] == 0


def test_no_authorization_header_without_token(sms_endpoint):
    HttpSms(sms_endpoint.url, token="", timeout=1).send(PHONE, TEXT)

    assert sms_endpoint.requests[0]["authorization"] is None
    assert sms_endpoint.texts_to(PHONE) == [TEXT]


def test_gateway_outage_retries_with_backoff_and_delivers_once(queue, deliver, sms_endpoint, caplog):
    caplog.set_level(logging.DEBUG, logger="idp.delivery")
    sms_endpoint.fail_with(500)
    message_id = queue.sms(PHONE, TEXT)  # the registration's commit succeeds during the outage

    assert deliver() == 0
    first = queue.row(message_id)
    assert first["attempts"] == 1 and first["sent_at"] is None and first["dead_at"] is None
    assert first["last_error"] == "sms gateway answered 500"
    wait = (first["next_attempt_at"] - clock.now()).total_seconds()
    assert 0.75 * BASE - 1 <= wait <= BASE

    assert deliver() == 0  # not due yet: the gateway is left alone
    assert len(sms_endpoint.requests) == 1

    clock.advance(BASE)
    assert deliver() == 0
    second = queue.row(message_id)
    assert second["attempts"] == 2
    wait = (second["next_attempt_at"] - clock.now()).total_seconds()
    assert 1.5 * BASE - 1 <= wait <= 2 * BASE  # the delay doubles

    sms_endpoint.recover()
    clock.advance(2 * BASE)
    assert deliver() == 1
    clock.advance(10 * BASE)
    assert deliver() == 0

    assert sms_endpoint.texts_to(PHONE) == [TEXT]
    assert len(sms_endpoint.requests) == 3
    done = queue.row(message_id)
    assert done["sent_at"] is not None and done["last_error"] is None
    for secret in (PHONE, TEXT, "482915", SMS_TOKEN):
        assert secret not in caplog.text
        assert secret not in (first["last_error"] + second["last_error"])


def test_gateway_that_hangs_is_a_retryable_timeout(queue, deliver, sms_endpoint):
    sms_endpoint.hang(1.0)
    message_id = queue.sms(PHONE, TEXT)

    assert deliver() == 0

    row = queue.row(message_id)
    assert row["last_error"] == "sms gateway timeout"
    assert row["attempts"] == 1 and row["dead_at"] is None


def test_unreachable_gateway_is_a_retryable_failure():
    gateway = HttpSms(f"http://127.0.0.1:{free_port()}/sms", timeout=1)

    with pytest.raises(DeliveryFailed) as failure:
        gateway.send(PHONE, TEXT)

    assert failure.value.retryable
    assert failure.value.reason.startswith("sms gateway unreachable")


def test_dead_letter_after_max_attempts(queue, deliver, sms_endpoint, delivery_app):
    sms_endpoint.fail_with(503)
    message_id = queue.sms(PHONE, TEXT)

    for _ in range(MAX_ATTEMPTS + 3):
        deliver()
        clock.advance(3600)

    row = queue.row(message_id)
    assert row["attempts"] == MAX_ATTEMPTS
    assert row["dead_at"] is not None and row["sent_at"] is None
    assert len(sms_endpoint.requests) == MAX_ATTEMPTS
    sms_endpoint.recover()
    assert deliver() == 0  # a dead letter stays dead: an operator decides
    assert sms_endpoint.delivered == []


def test_backoff_doubles_is_capped_and_jittered():
    assert backoff_delay(1, 5, 3600, rand=lambda: 1.0) == 5
    assert backoff_delay(2, 5, 3600, rand=lambda: 1.0) == 10
    assert backoff_delay(4, 5, 3600, rand=lambda: 1.0) == 40
    assert backoff_delay(30, 5, 3600, rand=lambda: 1.0) == 3600
    assert backoff_delay(30, 5, 3600, rand=lambda: 0.0) == 2700
    assert backoff_delay(3, 5, 3600, rand=lambda: 0.0) == 15


def test_two_workers_send_each_message_exactly_once(queue, delivery_app, sms_endpoint):
    texts = [f"Код {n:03d}" for n in range(40)]
    for text in texts:
        queue.sms(PHONE, text)
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with delivery_app.app_context():
                start.wait()
                counts.append(deliver_due())
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sorted(sms_endpoint.texts_to(PHONE)) == texts
    assert len(sms_endpoint.requests) == len(texts)
    assert sum(counts) == len(texts)


def test_a_claim_held_by_a_live_worker_is_left_alone(queue, deliver, delivery_app, sms_endpoint):
    message_id = queue.sms(PHONE, TEXT)
    with delivery_app.app_context():
        assert claim(message_id, clock.now(), lease=60)

    assert deliver() == 0
    clock.advance(61)  # that worker died mid-send: its lease runs out
    assert deliver() == 1
    assert sms_endpoint.texts_to(PHONE) == [TEXT]
    assert deliver(clock.now() + timedelta(hours=1)) == 0


def test_queued_sent_and_failed_messages_are_counted(queue, deliver, delivery_app, sms_endpoint):
    def counted(outcome):
        return value(
            scrape(delivery_app.test_client()), "lkidp_messages_total", channel="sms", outcome=outcome
        )

    before = {outcome: counted(outcome) for outcome in ("queued", "sent", "failed")}
    sms_endpoint.fail_with(500)
    queue.sms(PHONE, TEXT)
    deliver()
    sms_endpoint.recover()
    clock.advance(BASE)
    deliver()

    assert {outcome: counted(outcome) - before[outcome] for outcome in before} == {
        "queued": 1,
        "sent": 1,
        "failed": 1,
    }
