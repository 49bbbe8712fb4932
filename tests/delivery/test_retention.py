"""The outbox holds phones, addresses, names and codes: it keeps them only as long as it must."""

from __future__ import annotations

import pytest

from flows.delivery.outbox import OutboxMessage, forget, purge_finished
from flows.delivery.worker import record_failure, record_sent
from idp.clock import clock
from idp.db import db

PHONE = "+79161234567"
DAY = 24 * 3600
RETENTION = 7 * DAY


def _ids(app) -> set[int]:
    with app.app_context():
        return {m.id for m in OutboxMessage.query}


def test_sent_and_dead_messages_are_purged_after_retention(queue, deliver, delivery_app, sms_endpoint):
    sent = queue.sms(PHONE, "Пароль: 111222")
    deliver()
    sms_endpoint.fail_with(500)
    dead = queue.sms(PHONE, "Пароль: 333444")
    for _ in range(4):  # delivery_app gives up after 4 attempts
        deliver()
        clock.advance(600)
    pending = queue.sms(PHONE, "Пароль: 555666")
    assert queue.row(dead)["dead_at"] is not None

    with delivery_app.app_context():
        assert purge_finished(RETENTION) == 0
    clock.advance(RETENTION)
    with delivery_app.app_context():
        assert purge_finished(RETENTION) == 2

    assert _ids(delivery_app) == {pending}  # not yet sent: still owed to the person
    assert sent not in _ids(delivery_app)


def test_forget_erases_a_persons_messages_pending_or_not(queue, deliver, delivery_app):
    mine = [queue.sms(PHONE, "Пароль: 111222"), queue.email("maria@example.ru", "Активация", "Ссылка")]
    deliver()
    pending = queue.sms(PHONE, "Пароль: 333444")
    other = queue.sms("+79990000000", "Пароль: 777888")

    with delivery_app.app_context():
        assert forget([PHONE, "maria@example.ru", None]) == 3
        db.session.commit()

    remaining = _ids(delivery_app)
    assert other in remaining
    assert not remaining & {*mine, pending}


def test_worker_pass_purges_old_messages(queue, deliver, delivery_app, sms_endpoint):
    queue.sms(PHONE, "Пароль: 111222")
    deliver()
    clock.advance(RETENTION + 1)

    result = delivery_app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert _ids(delivery_app) == set()


@pytest.mark.parametrize("outcome", ["sent", "failed"])
def test_a_message_erased_while_it_is_being_sent_is_no_error(queue, delivery_app, outcome):
    message_id = queue.sms(PHONE, "Пароль: 111222")
    with delivery_app.app_context():
        sending = db.session.get(OutboxMessage, message_id)
        with delivery_app.app_context():  # the purge, in its own transaction
            forget([PHONE])
            db.session.commit()

        if outcome == "sent":
            record_sent(sending, clock.now())
        else:
            record_failure(
                sending,
                "sms gateway answered 500",
                True,
                clock.now(),
                delivery_app.extensions["idp"].settings,
            )

    assert _ids(delivery_app) == set()
