"""Consent pages: the texts, the account section, withdrawal, and a new mandatory version.

Thin: they read the request, call the rules in consent/ and flows.closure, render.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from consent import catalogue, offer, renewal
from consent.records import current_state, history, record
from flows.closure import close_account
from flows.forms.consents import ClosureForm, consent_update_form
from idp.clock import MOSCOW, utcnow
from idp.db import db
from idp.oidc import interaction
from idp.sessions import sso_session
from idp.web.forms import render_form
from idp.web.signed_in import signed_in

bp = Blueprint("consents", __name__)


@bp.app_template_filter("moscow_date")
def _moscow_date(value):
    return value.astimezone(MOSCOW).strftime("%d.%m.%Y")


@bp.app_context_processor
def _template_helpers():
    return {"consent_offers": lambda: offer.offers(utcnow()), "consent_overview": _overview}


def _overview(account_id: int) -> list[dict]:
    """Per kind: its catalogue entry, the latest record (or None), the version in effect, and
    whether it was ever granted (a «no» at registration is «not given», not «withdrawn»)."""
    state = current_state(account_id)
    ever_granted = {row.kind for row in history(account_id) if row.granted}
    now = utcnow()
    return [
        {
            "kind": kind,
            "latest": state.get(kind.name),
            "current": catalogue.current_version(kind.name, now),
            "ever_granted": kind.name in ever_granted,
        }
        for kind in catalogue.kinds()
    ]


def _evidence(channel: str) -> dict:
    return {
        "channel": channel,
        "ip_address": request.remote_addr or "unknown",
        "user_agent": request.user_agent.string,
    }


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
@signed_in
def grant(person, kind):
    """The optional consent, given again; a new mandatory text is accepted on update_form, which shows it."""
    current = catalogue.current_version(_kind_or_404(kind, mandatory=False).name, utcnow())
    record(person.account.id, kind, current.id, True, **_evidence("account"))
    db.session.commit()
    return redirect(url_for("account.page"))


@bp.post("/account/consents/<kind>/withdraw")
@signed_in
def withdraw(person, kind):
    if _kind_or_404(kind).mandatory:
        return redirect(url_for("consents.close_form", kind=kind))
    latest = current_state(person.account.id).get(kind)
    if latest is not None and latest.granted:
        record(person.account.id, kind, latest.version, False, **_evidence("account"))
        db.session.commit()
    return redirect(url_for("account.page"))


@bp.get("/account/close")
@signed_in
def close_form(person):
    kind = _kind_or_404(request.args.get("kind", ""), mandatory=True)
    return render_template("consent/close.html", kind=kind)


@bp.post("/account/close")
@signed_in
def close(person):
    """Withdrawing a mandatory consent closes the cabinet: the person confirmed it on close_form."""
    kind = _kind_or_404(ClosureForm().kind.data, mandatory=True)
    latest = current_state(person.account.id).get(kind.name)
    version = latest.version if latest else catalogue.current_version(kind.name, utcnow()).id
    record(person.account.id, kind.name, version, False, **_evidence("account"))
    close_account(person.account, "consent_withdrawn", consent=kind.name)
    sso_session.end()
    return render_template("consent/closed.html")


@bp.get("/consents/update")
@signed_in
def update_form(person):
    versions = renewal.outdated_mandatory(person.account.id, utcnow())
    form = consent_update_form(versions)
    if not versions:
        return redirect(interaction.resume_url(form.ia.data))
    return render_form("consent/update.html", form)


@bp.post("/consents/update")
@signed_in
def update_submit(person):
    form = consent_update_form(renewal.outdated_mandatory(person.account.id, utcnow()))
    if form.declined:
        return render_template("consent/declined.html", ia=form.ia.data)
    if not form.validate():
        return render_form("consent/update.html", form, 400)
    renewal.accept(person.account.id, form.accepted, **_evidence("web"))
    db.session.commit()
    return redirect(interaction.resume_url(form.ia.data))
