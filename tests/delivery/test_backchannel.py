"""Back-channel logout as an outbox channel: only to the registered address, and in
development only to loopback (the example clients' real hosts are shown on /dev/outbox)."""

from __future__ import annotations

from flows.delivery.backchannel import queue_logout_tokens
from flows.delivery.outbox import OutboxMessage
from idp.db import db
from idp.sessions.records import SsoSession


def queue_for(app, account, *clients):
    with app.app_context():
        queue_logout_tokens(SsoSession("a" * 32, account["id"], 0, ["pwd"], list(clients)), [])


def rows(app):
    with app.app_context():
        return [
            (m.recipient, m.sent_at is not None, m.dead_at is not None, m.last_error)
            for m in OutboxMessage.query.filter_by(channel="logout").order_by(OutboxMessage.id)
        ]


def test_only_relying_parties_with_a_registered_address_are_queued(app, make_account, logout_endpoints):
    queue_for(app, make_account(), "rp-site", "rp-confidential", "no-such-client")
    assert [recipient for recipient, *_ in rows(app)] == [logout_endpoints.url("site")]


def test_an_address_the_clients_file_no_longer_names_gets_nothing(
    app, make_account, logout_endpoints, deliver
):
    account = make_account()
    with app.app_context():
        db.session.add(
            OutboxMessage(
                channel="logout",
                recipient=logout_endpoints.url("elsewhere"),
                subject="rp-site",
                body_text=f'{{"sub": "{account["sub"]}", "sid": "x"}}',
            )
        )
        db.session.commit()
    assert deliver() == 0
    assert rows(app) == [
        (logout_endpoints.url("elsewhere"), False, True, "not the client's registered backchannel_logout_uri")
    ]
    assert logout_endpoints.requests == []


def test_development_shows_a_real_host_on_the_outbox_page(app, client, make_account, deliver):
    queue_for(app, make_account(), "rp-remote")
    assert deliver() == 1  # nothing went over the network: the row is the delivery
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "https://rp.example/backchannel-logout" in page
    assert "не отправлено: в режиме разработки" in page
