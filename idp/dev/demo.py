"""A development-only relying party at /demo: «Ваш личный кабинет» → code flow → claims.

It talks to the provider over real HTTP, as rossetimr.ru would, using Authlib's
client. It is registered only in development mode.
"""

from __future__ import annotations

import tomllib

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Blueprint, render_template, request, session, url_for
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.services import settings
from idp.web.messages import message

bp = Blueprint("demo", __name__, url_prefix="/demo")
CLIENT_ID = "demo"


def _client_secret() -> str:
    path = settings().clients_file or "config/clients.example.toml"
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("client", [])
    return next(e["client_secret"] for e in entries if e["client_id"] == CLIENT_ID)


def _oauth() -> OAuth2Session:
    return OAuth2Session(
        CLIENT_ID,
        _client_secret(),
        scope="openid profile email phone consents",
        redirect_uri=url_for("demo.callback", _external=True),
        token_endpoint_auth_method="client_secret_post",
    )


@bp.get("")
def home():
    return render_template("demo.html", claims=None, userinfo=None)


@bp.get("/login")
def login():
    state, nonce, verifier = generate_token(24), generate_token(24), generate_token(48)
    session["demo"] = {"state": state, "nonce": nonce, "verifier": verifier}
    uri, _ = _oauth().create_authorization_url(
        settings().issuer + "/authorize",
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    return render_template("demo_redirect.html", uri=uri), 302, {"Location": uri}


@bp.get("/callback")
def callback():
    pending = session.pop("demo", None)
    if not pending or request.args.get("state") != pending["state"]:
        return render_template("error.html", message=message("demo_bad_state")), 400
    if "error" in request.args:
        return render_template("error.html", message=message("demo_error", error=request.args["error"])), 400
    issuer = settings().issuer
    oauth = _oauth()
    token = oauth.fetch_token(issuer + "/token", code=request.args["code"], code_verifier=pending["verifier"])
    keyset = KeySet.import_key_set(requests.get(issuer + "/jwks.json", timeout=5).json())
    id_token = jwt.decode(token["id_token"], keyset)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": pending["nonce"]},
    )
    registry.validate(id_token.claims)
    userinfo = oauth.get(issuer + "/userinfo").json()
    return render_template("demo.html", claims=id_token.claims, userinfo=userinfo)
