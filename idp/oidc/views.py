"""Protocol endpoints. Thin: they read the request, ask a rule, answer."""

from __future__ import annotations

import hashlib
import json

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from idp.clock import clock
from idp.db import db
from idp.models import Account
from idp.oidc import interaction, policy
from idp.oidc.claims import parse_claims_request
from idp.oidc.server import ProtocolResponse
from idp.ops import logging_setup
from idp.services import services, settings
from idp.sessions import sso_session
from idp.web.messages import message

bp = Blueprint("oidc", __name__)

PROMPT_NONE_ERRORS = {"login": "login_required", "refuse": "access_denied"}


def server():
    return current_app.extensions["idp.oauth"]


def _page_request(params: dict | None = None) -> OAuth2Request:
    """This page's request as Authlib reads it; a paused authorization request is read
    from the store (`params`) rather than the URL."""
    if params is None:
        oauth_request = FlaskOAuth2Request(request)
    else:
        oauth_request = OAuth2Request("GET", request.url, headers=request.headers)
        oauth_request.payload = BasicOAuth2Payload(params)
    oauth_request.remote_addr = request.remote_addr or "unknown"
    return oauth_request


def _flask_response(answer: ProtocolResponse) -> Response:
    if isinstance(answer.body, dict):
        return Response(json.dumps(answer.body), status=answer.status, headers=answer.headers)
    return Response(answer.body, status=answer.status, headers=answer.headers)


def _cached_json(body: bytes, max_age: int) -> Response:
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/openid-configuration")
def discovery():
    return _cached_json(services().discovery_body, 3600)


@bp.get("/jwks.json")
def jwks():
    return _cached_json(services().keyring.jwks_body(), 300)


def _error_redirect(redirect_uri: str, error: str, state: str | None, description: str | None = None):
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    if state:
        params.append(("state", state))
    params.append(("iss", settings().issuer))
    return redirect(add_params_to_uri(redirect_uri, params))


def _error_page(error: OAuth2Error):
    return (
        render_template(
            "error.html",
            message=message("bad_authorization_request"),
            detail=f"{error.error}: {error.description or ''}".strip(": "),
        ),
        400,
    )


def _extra_checks(params: dict, client) -> dict:
    """What the authorization request must satisfy beyond Authlib's checks; returns the
    parsed `claims` request."""
    if client.is_public and not params.get("code_challenge"):
        raise InvalidRequestError("PKCE with S256 is required for public clients.")
    if params.get("code_challenge") and params.get("code_challenge_method", "S256") != "S256":
        raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
    max_age = params.get("max_age")
    if max_age not in (None, "") and not (max_age.isdigit()):
        raise InvalidRequestError("max_age must be a non-negative integer.")
    if "openid" in (params.get("scope") or "").split() and not params.get("redirect_uri"):
        raise InvalidRequestError("redirect_uri is required.")
    try:
        return parse_claims_request(params.get("claims"))
    except ValueError as exc:
        raise InvalidRequestError(f"Malformed claims parameter: {exc}") from None


def _authorize(params: dict, ia: str | None, started_at: float | None, declined=()):
    sso = sso_session.current()
    account = db.session.get(Account, sso.account_id) if sso else None
    state = params.get("state")
    oauth_request = _page_request(params if ia else None)
    try:
        grant = server().get_consent_grant(oauth_request, end_user=account if sso else None)
    except OAuth2Error as error:
        redirect_uri = getattr(error, "redirect_uri", None)
        if redirect_uri:
            return _error_redirect(redirect_uri, error.error, state, error.description)
        return _error_page(error)
    redirect_uri = grant.redirect_uri
    try:
        claims_request = _extra_checks(params, grant.request.client)
    except OAuth2Error as error:
        return _error_redirect(redirect_uri, error.error, state, error.description)
    ctx = policy.Context(sso, account, params, clock.time(), started_at, {}, declined)
    check = policy.evaluate(ctx)
    if check is not None:
        if check.prompt == "unmet" or "none" in params.get("prompt", "").split():
            if ia:
                interaction.forget(ia)
            return _error_redirect(redirect_uri, check.error, state)
        if check.prompt == "refuse":
            return render_template("error.html", message=message(check.endpoint)), 403
        ia = ia or interaction.start(params)
        hint = params.get("login_hint", "") if check.prompt == "login" else ""
        return redirect(url_for(check.endpoint, ia=ia, login=hint or None))
    grant.request.sign_in = {  # what the code will carry to the token request
        "auth_time": sso.auth_time,
        "amr": sso.amr_claim,
        "acr": policy.granted_acr(ctx),
        "sid": sso.sid,
        "claims": claims_request,
    }
    sso_session.remember_client(sso, grant.request.client.client_id)
    if ia:
        interaction.forget(ia)
    return _flask_response(
        server().create_authorization_response(grant.request, grant=grant, grant_user=account)
    )


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    params = request.values.to_dict()
    return _authorize(params, None, None)


@bp.get("/authorize/resume/<ia>")
def resume(ia):
    paused = interaction.load(ia)
    if paused is None:
        return render_template(
            "error.html",
            message=message("authorization_timed_out"),
        ), 400
    logging_setup.note_client(paused["params"].get("client_id"))
    return _authorize(paused["params"], ia, paused["started_at"], paused.get("declined", []))


def _logout_confirmed() -> bool:
    if request.method != "POST" or request.form.get("confirm") != "1":
        return False
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    try:
        validated = server().validate_endpoint_request("end_session", _page_request())
    except OAuth2Error as error:
        return _error_page(error)
    if validated.needs_confirmation and not _logout_confirmed():
        # Without an id_token_hint anyone could link here and sign a person out:
        # ask them first (RP-Initiated Logout §6).
        return render_template("logout_confirm.html")
    answer = server().create_endpoint_response("end_session", validated)
    if answer is not None:
        return _flask_response(answer)
    return redirect(url_for("login.login_form", notice="signed_out"))
