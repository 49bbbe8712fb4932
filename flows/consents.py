"""Consent pages: the texts, the account section, withdrawal, and a new mandatory version.

Thin: they read the request, call the rules in consent/ and flows.closure, render.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, redirect, render_template, request, url_for

from consent import catalogue, offer, renewal
from consent.records import current_state, record
from flows.closure import close_account
from idp.accounts.lifecycle import is_live
from idp.clock import MOSCOW, utcnow
from idp.db import db
from idp.models import Account
from idp.oidc import interaction
from idp.sessions import sso_session

bp = Blueprint("consents", __name__)


@bp.app_template_filter("moscow_date")
def _moscow_date(value):
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y")


@bp.app_context_processor
def _template_helpers():
    return {"consent_offers": lambda: offer.offers(utcnow()), "consent_overview": _overview}


def _overview(account_id: int) -> list[dict]:
    """Per kind: its catalogue entry, the latest record (or None) and the version in effect."""
    state = current_state(account_id)
    now = utcnow()
    return [
        {"kind": kind, "latest": state.get(kind.name), "current": catalogue.current_version(kind.name, now)}
        for kind in catalogue.kinds()
    ]


def _evidence(channel: str) -> dict:
    return {
        "channel": channel,
        "ip_address": request.remote_addr or "unknown",
        "user_agent": request.user_agent.string,
    }


def _signed_in(view):
    """The view gets the signed-in person's live account; anyone else is sent to sign in."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        sso = sso_session.current()
        account = db.session.get(Account, sso.account_id) if sso else None
        if not is_live(account, utcnow()):
            return redirect(url_for("login.login_form", ia=request.values.get("ia") or None))
        return view(account, *args, **kwargs)

    return wrapper


def _kind_or_404(name: str, mandatory: bool | None = None) -> catalogue.Kind:
    try:
        kind = catalogue.kind(name)
    except catalogue.UnknownConsent:
        abort(404)
    if mandatory is not None and kind.mandatory != mandatory:
        abort(404)
    return kind


@bp.get("/consents/<kind>/<version>")
def text_page(kind, version):
    try:
        published = catalogue.version(kind, version)
    except catalogue.UnknownConsent:
        abort(404)
    return render_template("consent/text.html", kind=catalogue.kind(kind), version=published)


@bp.post("/account/consents/<kind>/grant")
@_signed_in
def grant(account, kind):
    """The optional consent, given again; a new mandatory text is accepted on update_form, which shows it."""
    current = catalogue.current_version(_kind_or_404(kind, mandatory=False).name, utcnow())
    record(account.id, kind, current.id, True, **_evidence("account"))
    db.session.commit()
    return redirect(url_for("account.page"))


@bp.post("/account/consents/<kind>/withdraw")
@_signed_in
def withdraw(account, kind):
    if _kind_or_404(kind).mandatory:
        return redirect(url_for("consents.close_form", kind=kind))
    latest = current_state(account.id).get(kind)
    if latest is not None and latest.granted:
        record(account.id, kind, latest.version, False, **_evidence("account"))
        db.session.commit()
    return redirect(url_for("account.page"))


@bp.get("/account/close")
@_signed_in
def close_form(account):
    kind = _kind_or_404(request.args.get("kind", ""), mandatory=True)
    return render_template("consent/close.html", kind=kind)


@bp.post("/account/close")
@_signed_in
def close(account):
    """Withdrawing a mandatory consent closes the cabinet: the person confirmed it on close_form."""
    kind = _kind_or_404(request.form.get("kind", ""), mandatory=True)
    latest = current_state(account.id).get(kind.name)
    version = latest.version if latest else catalogue.current_version(kind.name, utcnow()).id
    record(account.id, kind.name, version, False, **_evidence("account"))
    close_account(account, "consent_withdrawn", consent=kind.name)
    sso_session.end()
    return render_template("consent/closed.html")


@bp.get("/consents/update")
@_signed_in
def update_form(account):
    ia = request.args.get("ia")
    versions = renewal.outdated_mandatory(account.id, utcnow())
    if not versions:
        return redirect(interaction.resume_url(ia))
    return _update_page(ia, versions)


def _update_page(ia, versions, missing=(), status=200):
    kinds = {v.kind: catalogue.kind(v.kind) for v in versions}
    return render_template(
        "consent/update.html", ia=ia, versions=versions, kinds=kinds, missing=set(missing)
    ), status


@bp.post("/consents/update")
@_signed_in
def update_submit(account):
    ia = request.form.get("ia") or None
    versions = renewal.outdated_mandatory(account.id, utcnow())
    if request.form.get("decision") == "decline":
        return render_template("consent/declined.html", ia=ia)
    # Accept only what the page showed: a version that took effect meanwhile is shown anew.
    shown = {v.kind: v for v in versions if request.form.get(f"consent_{v.kind}") == v.id}
    missing = [v.kind for v in versions if v.kind not in shown]
    if missing:
        return _update_page(ia, versions, missing, status=400)
    renewal.accept(account.id, list(shown.values()), **_evidence("web"))
    db.session.commit()
    return redirect(interaction.resume_url(ia))
