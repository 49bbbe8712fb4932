"""The app factory: settings in, a wired Flask app out."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

import idp.models  # noqa: F401  (models register with the metadata)
from consent.claims import consents_claim
from consent.records import ConsentRecord
from consent.renewal import outdated_mandatory
from flows import authenticator
from flows.account import bp as account_bp
from flows.activation import bp as activation_bp
from flows.consents import bp as consents_bp
from flows.delivery.backchannel import queue_logout_tokens
from flows.delivery.dev_outbox import bp as dev_outbox_bp
from flows.delivery.outbox_depth import OutboxDepth
from flows.delivery.worker import attach_in_process
from flows.login import bp as login_bp
from flows.office.api import bp as office_api_bp
from flows.office.applicant_views import bp as office_bp
from flows.office.audit_views import bp as staff_audit_bp
from flows.office.signin_views import bp as staff_signin_bp
from flows.office.team_views import bp as staff_team_bp
from flows.password import bp as password_bp
from flows.recovery import bp as recovery_bp
from flows.registration import bp as registration_bp
from flows.second_factor import bp as second_factor_bp
from flows.sms_step import bp as sms_step_bp
from flows.stepup import bp as stepup_bp
from idp.accounts import account_view, second_factors
from idp.accounts.passwords import Passwords
from idp.cli import register_cli
from idp.db import db, migrate, wal_checkpoints
from idp.db.pool_health import ping_when_idle
from idp.dev.demo import bp as demo_bp
from idp.oidc import interaction, policy, tokens
from idp.oidc import views as oidc_views
from idp.oidc.client_cache import ClientCache
from idp.oidc.discovery import discovery_body
from idp.oidc.keys import KeyRing
from idp.oidc.published import PublishedDocuments
from idp.oidc.server import build_server
from idp.ops import logging_setup, metrics
from idp.ops.views import bp as ops_bp
from idp.services import Services
from idp.serving import protocol_routes, proxies
from idp.serving.asgi_bridge import BODY_LIMIT
from idp.sessions import sso_session
from idp.sessions.cookie import SessionCookies
from idp.settings import Settings, load_settings
from idp.store import make_store
from idp.store.ratelimit import RateLimited
from idp.web import faults, headers, pages
from idp.web.messages import message, too_many_attempts

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()
BROWSER_ENDPOINTS = {"oidc.authorize", "oidc.resume", "oidc.logout"}
log = logging.getLogger("idp")


def _blueprints(settings: Settings):
    yield ops_bp
    yield oidc_views.bp
    yield login_bp
    yield registration_bp
    yield sms_step_bp
    yield password_bp
    yield recovery_bp
    yield activation_bp
    yield stepup_bp
    yield second_factor_bp
    yield account_bp
    yield consents_bp
    yield staff_signin_bp
    yield office_bp
    yield staff_audit_bp
    yield staff_team_bp
    yield office_api_bp
    if settings.development:
        yield demo_bp
        yield dev_outbox_bp


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    logging_setup.configure(settings.log_level)
    app = Flask(
        "idp",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    # Outside development the cookie is __Host-: Secure, Path=/, no Domain, so no sibling
    # host under rossetimr.ru can set or shadow it.
    secure_cookies = not settings.development
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=_database_uri(settings.database_url),
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        SESSION_COOKIE_NAME="__Host-lk_session" if secure_cookies else "lk_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=settings.session_ttl,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=BODY_LIMIT,
    )
    app.json.ensure_ascii = False
    app.session_interface = SessionCookies()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    with app.app_context():
        if settings.database_url.startswith("sqlite"):
            event.listen(db.engine, "connect", _tune_sqlite)
        else:
            ping_when_idle(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    pages.init_app(app, ROOT / "translations", settings.support_contact)
    app.add_template_global(interaction.sign_in_url, "sign_in_url")
    app.extensions["idp"] = Services(
        settings=settings,
        store=make_store(settings),
        passwords=Passwords.from_settings(settings),
        keyring=KeyRing(settings.signing_key_files),
        discovery_body=discovery_body(settings.issuer),
        clients=ClientCache(settings.client_cache_ttl),
        engine=_engine(app),
        app_context=app.app_context,
    )
    _contribute_from_other_packages()
    app.extensions["idp.oauth"] = server = build_server(app.extensions["idp"])
    sso_session.on_end(tokens.revoke_session_grants)  # tokens die with their session
    for blueprint in _blueprints(settings):
        app.register_blueprint(blueprint)
    csrf.exempt(oidc_views.bp)
    csrf.exempt(office_api_bp)  # bearer tokens, no cookies
    # ops: request ids + access records, request metrics, client addresses from trusted proxies only
    logging_setup.init_app(app, log_probes=settings.log_probes)
    metrics.init_app(app)
    headers.init_app(app, settings.development)
    app.extensions["idp.lane"] = lane = protocol_routes.ProtocolLane(
        server, BODY_LIMIT, headers.lean_headers(settings.development)
    )
    app.wsgi_app = lane.wsgi(app.wsgi_app)
    app.wsgi_app = app.extensions["idp.published"] = PublishedDocuments(app, app.wsgi_app)
    app.wsgi_app = proxies.trusted_proxy_fix(app.wsgi_app, settings.trusted_proxies)
    register_cli(app)
    if settings.delivery_in_process:
        attach_in_process(app)
    _register_error_pages(app)
    return app


def _engine(app: Flask):
    with app.app_context():
        return db.engine


def _contribute_from_other_packages() -> None:
    """What idp needs from consent and flows, handed to it here (idp never imports them)."""
    policy.add_check(
        policy.Check(
            "consent_version",
            "consent",
            "consents.update_form",
            "consent_required",
            lambda ctx: bool(outdated_mandatory(ctx.account.id, policy.moment(ctx))),
        ),
        before="acr_unknown",
    )
    account_view.register_extra("consents", consents_claim, changed_by=ConsentRecord)
    sso_session.on_end(queue_logout_tokens)  # back-channel logout through the outbox
    second_factors.register("otp", authenticator.is_enrolled)
    if not any(isinstance(c, OutboxDepth) for c in metrics.registered_collectors()):
        metrics.register_collector(OutboxDepth())


def _database_uri(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _engine_options(url: str) -> dict:
    if url.startswith("postgresql"):
        # connect_timeout: an unreachable server fails a request (and /readyz) in seconds.
        # Dead pooled connections are caught by ping_when_idle, not a ping per checkout.
        return {"connect_args": {"connect_timeout": 5}, "hide_parameters": True}
    # The most recently used connection first: its SQLite page and statement caches are the
    # warm ones, where a queue would cycle through every connection the pool ever opened
    # (a refresh 868 → 832 µs in process, docs/BENCHMARKS.md).
    return {"hide_parameters": True, "pool_use_lifo": True}


def _tune_sqlite(dbapi_connection, connection_record) -> None:
    # WAL lets readers run beside the writer; NORMAL syncs at checkpoints, not on every
    # commit, which is the embedded default's whole write cost.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # The limit at which a commit checkpoints: 10 000 pages (~40 MB) instead of SQLite's 1 000.
    # wal_checkpoints' thread copies the pages ahead, so that commit has little left to do.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()
    database = wal_checkpoints.database_file(dbapi_connection)
    if database:
        wal_checkpoints.keep(database)


def _answers_a_relying_party() -> bool:
    """A protocol endpoint called by a relying party's code, which reads JSON, not a page."""
    if request.path in protocol_routes.PATHS:
        return True  # the protocol lane's paths, should Flask ever answer one
    return request.blueprint == "oidc" and request.endpoint not in BROWSER_ENDPOINTS


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("error.html", message=message("csrf_failed")), 400

    faults.register(app, _answers_a_relying_party)

    @app.errorhandler(RateLimited)
    def rate_limited(error):
        db.session.rollback()
        headers = {"Retry-After": str(error.retry_after)}
        if _answers_a_relying_party():
            body = {
                "error": "temporarily_unavailable",
                "error_description": "Too many requests; retry later.",
            }
            return body, 429, {**headers, "Cache-Control": "no-store"}
        return render_template("error.html", message=too_many_attempts(error.retry_after)), 429, headers

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("error.html", message=message("forbidden")), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("error.html", message=message("not_found")), 404

    @app.errorhandler(405)
    def not_allowed(error):
        return render_template("error.html", message=message("not_allowed")), 405

    @app.errorhandler(413)
    def too_large(error):
        return render_template("error.html", message=message("too_large")), 413

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return error
        log.exception("unhandled error")
        db.session.rollback()
        if _answers_a_relying_party():
            return {"error": "server_error"}, 500, {"Cache-Control": "no-store"}
        return render_template("error.html", message=message("unexpected")), 500
