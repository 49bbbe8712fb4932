"""The office CRM's API under /api/office: the console's actions for a machine.

Protected by OAuth 2.0 client credentials: an access token issued to a
confidential client for scope office:applicants (idp.oidc.server registers the
grant), looked up like userinfo's. Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import HTTPException

from flows.login import client_ip
from flows.office import applicants, audit
from flows.office.applicants import AlreadyRegistered, NotWaitingForSms
from flows.office.audit import Actor
from flows.office.forms import ApplicantForm, applicant_from
from flows.sms_password import ResendTooSoon, SmsPasswordError
from idp.db import db
from idp.models import Account
from idp.oidc import tokens
from idp.services import services, settings
from idp.web.messages import for_error, message

bp = Blueprint("office_api", __name__, url_prefix="/api/office")

SCOPE = "office:applicants"
OPENAPI = Path(__file__).with_name("openapi.json")
TEXT_FIELDS = ("family_name", "given_name", "middle_name", "phone", "email", "service")


class Problem(Exception):
    """An RFC 9457 problem: `name` makes the type URI; `extra` adds members (errors, taken)."""

    def __init__(self, status: int, name: str, title: str, detail: str | None = None, headers=None, **extra):
        super().__init__(name)
        self.status, self.name, self.title, self.detail = status, name, title, detail
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        body = {"type": f"urn:lk-idp:problem:{self.name}", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return Response(
            json.dumps(body, ensure_ascii=False),
            status=self.status,
            mimetype="application/problem+json",
            headers={"Cache-Control": "no-store", **self.headers},
        )


@bp.errorhandler(Problem)
def _problem(problem: Problem):
    return problem.response()


@bp.errorhandler(HTTPException)
def _http_problem(error: HTTPException):
    return Problem(error.code or 500, "http", error.name, error.description).response()


def _unauthorized(error: str, detail: str, status: int = 401) -> Problem:
    challenge = f'Bearer realm="office", error="{error}"' + (f', scope="{SCOPE}"' if status == 403 else "")
    return Problem(status, error.replace("_", "-"), detail, headers={"WWW-Authenticate": challenge})


def _authenticated_client() -> Actor:
    """The CRM client behind the bearer token, as the actor of what follows."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(
            401,
            "unauthorized",
            "Bearer token required",
            headers={"WWW-Authenticate": 'Bearer realm="office"'},
        )
    record = tokens.find_access_token(token.strip())
    if record is None:
        raise _unauthorized("invalid_token", "The access token is unknown, expired or revoked.")
    client = services().clients.get(record.client_id)
    if (
        record.data.get("account_id") is not None
        or SCOPE not in record.scope.split()
        or client is None
        or client.is_public
        or not client.check_grant_type("client_credentials")
    ):
        raise _unauthorized(
            "insufficient_scope", f"A client-credentials token with scope {SCOPE} is required.", 403
        )
    return Actor.client(client.client_id, client_ip())


def _iso(value):
    return value.isoformat() if value else None


def _applicant(account: Account) -> dict:
    state = applicants.status(account)
    return {
        "id": account.sub,
        "family_name": account.family_name,
        "given_name": account.given_name,
        "middle_name": account.middle_name,
        "email": account.email,
        "phone": account.phone,
        "registered_by": account.registered_by,
        "state": state.state,
        "created_at": _iso(state.created_at),
        "phone_verified_at": _iso(state.phone_verified_at),
        "password_changed_at": _iso(state.password_changed_at),
        "email_verified_at": _iso(state.email_verified_at),
        "activation_deadline": _iso(state.activation_deadline),
        "can_resend_sms": state.can_resend,
    }


def _json(body: dict, status: int = 200, headers=None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _applicant_form(body) -> ApplicantForm:
    """The JSON body in the console's form (the rules of self-registration), validated."""
    if not isinstance(body, dict):
        raise Problem(400, "malformed-body", "The body must be a JSON object.")
    errors = {}
    for name in TEXT_FIELDS:
        if body.get(name) is not None and not isinstance(body[name], str):
            errors[name] = message("office_api_not_text")
    given = body.get("consents") if isinstance(body.get("consents"), dict) else {}
    for kind, value in given.items():
        if not isinstance(value, bool):
            errors[f"consents.{kind}"] = message("office_api_not_flag")
    if errors:
        raise _invalid(errors)
    values = {name: body.get(name) for name in TEXT_FIELDS}
    values["no_middle_name"] = not (body.get("middle_name") or "").strip()
    values.update({f"consent_{kind}": granted is True for kind, granted in given.items()})
    form = applicant_from(values)
    if not form.validate():
        raise _invalid(
            {
                ("consents." + name.removeprefix("consent_")) if name.startswith("consent_") else name: found[
                    0
                ]
                for name, found in form.errors.items()
            }
        )
    return form


def _invalid(errors: dict[str, str]) -> Problem:
    return Problem(
        422,
        "invalid-applicant",
        "The applicant's data cannot be used.",
        message("form_has_errors"),
        errors=errors,
    )


def _sms_refused(exc: SmsPasswordError) -> Problem:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, ResendTooSoon) else {}
    return Problem(429, "sms-limit", "No SMS may be sent to this phone now.", for_error(exc), headers=headers)


@bp.post("/applicants")
def create_applicant():
    actor = _authenticated_client()
    form = _applicant_form(request.get_json(silent=True))
    try:
        account = applicants.create(form.person(), form.consents(), form.service.data, actor)
    except AlreadyRegistered as taken:
        detail = " ".join(message(f"office_taken_{name}") for name in taken.taken)
        raise Problem(
            409, "already-registered", "A cabinet exists for this e-mail or phone.", detail, taken=taken.taken
        ) from None
    except SmsPasswordError as exc:
        raise _sms_refused(exc) from None
    location = url_for("office_api.applicant", sub=account.sub)
    return _json(_applicant(account), 201, {"Location": location})


@bp.get("/applicants")
def find_applicants():
    actor = _authenticated_client()
    query = request.args.get("phone") or request.args.get("email")
    if not query:
        raise Problem(400, "missing-query", "Give phone or email.")
    found = applicants.find(query)
    audit.record(actor, audit.SEARCHED, found[0].sub if len(found) == 1 else None, results=len(found))
    db.session.commit()
    return _json({"applicants": [_applicant(account) for account in found]})


def _account(sub: str) -> Account:
    account = applicants.by_sub(sub)
    if account is None:
        raise Problem(404, "not-found", "No such cabinet.")
    return account


@bp.get("/applicants/<sub>")
def applicant(sub):
    actor = _authenticated_client()
    account = _account(sub)
    audit.record(actor, audit.VIEWED, account.sub)
    db.session.commit()
    return _json(_applicant(account))


@bp.post("/applicants/<sub>/sms")
def resend_sms(sub):
    actor = _authenticated_client()
    account = _account(sub)
    try:
        applicants.resend_sms(account, actor)
    except NotWaitingForSms as exc:
        raise Problem(
            409, "not-waiting-for-sms", "The cabinet does not wait for an SMS password.", for_error(exc)
        ) from None
    except SmsPasswordError as exc:
        raise _sms_refused(exc) from None
    return _json({"sent": True}, 202)


@bp.get("/openapi.json")
def openapi():
    description = json.loads(OPENAPI.read_text(encoding="utf-8"))
    description["servers"] = [{"url": settings().issuer.rstrip("/") + "/api/office"}]
    return _json(description)
