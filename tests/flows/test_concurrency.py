"""Two people pressing «Продолжить регистрацию» with the same e-mail at the same moment."""

from __future__ import annotations

import re
import threading

import requests

from idp.models import Account
from tests.support.registration import PERSON

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_concurrent_duplicate_registration_makes_one_account(app, live_server):
    browsers = [requests.Session() for _ in range(2)]
    tokens = [CSRF.search(b.get(f"{live_server}/register").text).group(1) for b in browsers]
    forms = [
        # two numbers the SMS page masks alike (+7 *** ***-00-01): it shows the number typed
        {**PERSON, "phone": "+79161230001", "csrf_token": tokens[0]},
        {**PERSON, "phone": "+79162220001", "csrf_token": tokens[1]},
    ]
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def submit(i):
        barrier.wait()
        answers[i] = browsers[i].post(f"{live_server}/register", data=forms[i], allow_redirects=False)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    pages = [
        b.get(f"{live_server}{a.headers['Location']}").text for a, b in zip(answers, browsers, strict=True)
    ]
    assert [CSRF.sub("", p) for p in pages][0] == [CSRF.sub("", p) for p in pages][1]
    with app.app_context():
        assert Account.query.filter_by(email=PERSON["email"]).count() == 1
        assert Account.query.count() == 1
