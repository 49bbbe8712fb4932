"""The newcomer's path: /demo → «Ваш личный кабинет» → sign-in → back on /demo with claims."""

from __future__ import annotations

import re

from tests.support.browserless import Person


def test_demo_round_trip(live_server, make_account):
    account = make_account()
    person = Person(live_server)
    home = person.get("/demo")
    assert "Ваш личный кабинет" in home.text
    button = re.search(r'id="lk-button" href="([^"]+)"', home.text).group(1)

    page = person.follow(person.get(button), "never")
    assert "Войти" in page.text
    back = person.follow(
        person.submit(page, "/login", {"login": account["email"], "password": account["password"]}), "never"
    )
    assert back.status_code == 200, back.text[:300]
    assert back.url.startswith(live_server + "/demo/callback")
    assert account["sub"] in back.text
    assert account["email"] in back.text
    assert 'id="userinfo"' in back.text


def test_demo_is_absent_outside_development(production_app):
    assert production_app.test_client().get("/demo").status_code == 404
