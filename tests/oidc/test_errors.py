"""Each protocol failure answers with its exact standard error."""

from __future__ import annotations

import threading

import requests

from idp.clock import clock
from idp.models import RefreshToken
from idp.oidc import tokens
from tests.support.browserless import redirect_params
from tests.support.config import PUBLIC, RP_CALLBACK


def test_unknown_client_gets_an_error_page_not_a_redirect(flow):
    response = flow.person.get(flow.authorize_url(client_id="nobody"))
    assert response.status_code == 400
    assert "invalid_client" in response.text


def test_unregistered_redirect_uri_is_never_followed(flow):
    response = flow.person.get(flow.authorize_url(redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.text


def test_public_client_without_pkce_is_refused(flow):
    response = flow.person.get(
        flow.authorize_url(client_id=PUBLIC["client_id"], code_challenge=None, code_challenge_method=None)
    )
    params = redirect_params(response)
    assert params["error"] == "invalid_request"
    assert params["iss"] == flow.base


def test_plain_pkce_is_refused(flow):
    response = flow.person.get(flow.authorize_url(code_challenge_method="plain"))
    assert redirect_params(response)["error"] == "invalid_request"


def test_missing_pkce_verifier_for_public_client(flow):
    code = flow.code(client_id=PUBLIC["client_id"])
    response = requests.post(
        flow.base + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": RP_CALLBACK,
            "client_id": PUBLIC["client_id"],
        },
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_pkce_verifier(flow):
    response = flow.exchange(flow.code(), verifier="x" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_reused_code_is_refused_and_its_tokens_revoked(flow):
    code = flow.code()
    first = flow.exchange(code).json()
    assert flow.userinfo(first["access_token"]).status_code == 200

    second = flow.exchange(code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert flow.userinfo(first["access_token"]).status_code == 401
    assert flow.refresh(first["refresh_token"]).json()["error"] == "invalid_grant"


def test_expired_code(flow, app):
    code = flow.code()
    clock.advance(app.extensions["idp"].settings.code_ttl + 1)
    response = flow.exchange(code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret(flow):
    response = flow.exchange(flow.code(), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_reused_refresh_token_revokes_the_family(flow):
    tokens = flow.exchange(flow.code()).json()
    rotated = flow.refresh(tokens["refresh_token"]).json()
    assert "refresh_token" in rotated

    reuse = flow.refresh(tokens["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert flow.refresh(rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert flow.userinfo(rotated["access_token"]).status_code == 401


def test_bad_id_token_hint_on_logout(flow):
    response = flow.person.get("/logout", params={"id_token_hint": "not.a.jwt"})
    assert response.status_code == 400
    assert "invalid_request" in response.text


def twice_at_once(request) -> list[int]:
    """Send the same request from two threads released together; their status codes."""
    barrier = threading.Barrier(2)
    results = []

    def send():
        barrier.wait()
        results.append(request().status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)


def test_two_concurrent_exchanges_of_one_code(flow):
    code = flow.code()
    assert twice_at_once(lambda: flow.exchange(code)) == [200, 400]


def test_prompt_none_without_session(flow):
    response = flow.person.get(flow.authorize_url(prompt="none", state="keep-me"))
    params = redirect_params(response)
    assert params == {"error": "login_required", "state": "keep-me", "iss": flow.base}


def test_userinfo_without_token(flow):
    response = requests.get(flow.base + "/userinfo", timeout=10)
    assert response.status_code == 401


def test_two_concurrent_refreshes_of_one_token(flow):
    refresh_token = flow.exchange(flow.code()).json()["refresh_token"]
    assert twice_at_once(lambda: flow.refresh(refresh_token)) == [200, 400]


def _refreshed(flow, times: int) -> list[str]:
    """A family's refresh tokens, first to current, after `times` rotations."""
    chain = [flow.exchange(flow.code()).json()["refresh_token"]]
    for _ in range(times):
        chain.append(flow.refresh(chain[-1]).json()["refresh_token"])
    return chain


def test_any_earlier_refresh_token_presented_again_revokes_the_family(flow):
    chain = _refreshed(flow, 3)
    assert flow.refresh(chain[1]).json()["error"] == "invalid_grant"  # two rotations ago
    assert flow.refresh(chain[-1]).json()["error"] == "invalid_grant"


def test_a_made_up_earlier_refresh_token_revokes_nothing(flow):
    chain = _refreshed(flow, 2)
    family, _, proof = chain[0].split(".")
    # the family can be read off any access token; the generation and the MAC cannot be made up
    forged = [
        f"{family}.0.{'A' * len(proof)}",
        f"{family}.1.{proof}",
        f"{family}.0.{proof[:-2]}{'AB' if proof[-2:] != 'AB' else 'CD'}",
        f"{family}.7.{proof}",
    ]
    for made_up in forged:
        assert flow.refresh(made_up).json()["error"] == "invalid_grant"
    assert flow.refresh(chain[-1]).status_code == 200


def test_a_family_keeps_one_row_however_often_it_is_rotated(flow, app):
    family = _refreshed(flow, 3)[0].split(".")[0]
    with app.app_context():
        assert RefreshToken.query.filter_by(family_id=family).count() == 1


def test_logout_without_id_token_hint_asks_first(flow):
    flow.code()
    page = flow.person.get("/logout")
    assert page.status_code == 200
    assert "Выйти из Личного кабинета?" in page.text
    still_in = flow.person.get(flow.authorize_url())
    assert still_in.headers["Location"].startswith(RP_CALLBACK)

    done = flow.person.submit(page, "/logout", {"confirm": "1"})
    assert done.status_code == 302
    assert "/login" in flow.person.get(flow.authorize_url()).headers["Location"]


def test_guessing_a_client_secret_is_throttled(flow, app):
    limit = app.extensions["idp"].settings.client_auth_failures_per_window
    code = flow.code()
    for _ in range(limit):
        failed = flow.exchange("nothing", secret="guess")
        assert failed.status_code == 401
        assert "Retry-After" not in failed.headers  # a wrong secret, not yet a wait
    refused = flow.exchange(code)  # even the right secret waits out the window
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    window = app.extensions["idp"].settings.login_attempt_window
    assert 1 <= int(refused.headers["Retry-After"]) <= window
    assert refused.headers["WWW-Authenticate"].startswith("Basic ")


def test_a_fault_at_the_token_endpoint_answers_server_error_in_json(flow, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away mid-request")

    code = flow.code()
    monkeypatch.setattr(tokens, "save_refresh_token", broken)
    response = flow.exchange(code)
    assert response.status_code == 500
    assert response.json() == {"error": "server_error"}
    assert response.headers["Cache-Control"] == "no-store"
