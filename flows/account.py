"""The signed-in person's own page: name, contacts, state, where they are signed in, and
the second factor; ending one session, this one, or all of them."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from flows import authenticator, device_names
from flows.activation_link import deadline_text
from flows.forms.second_factor import EndSessionForm
from idp.accounts import second_factors
from idp.accounts.lifecycle import ACTIVE, CONFIRMED, REGISTERED, state
from idp.clock import utcnow
from idp.services import services
from idp.sessions import sso_session
from idp.web.formats import moscow_time
from idp.web.messages import N_, message
from idp.web.signed_in import signed_in

bp = Blueprint("account", __name__)

STATE_LABELS = {
    ACTIVE: N_("активирован"),
    CONFIRMED: N_("ожидает активации по ссылке из письма"),
    REGISTERED: N_("ожидает подтверждения паролем из SMS"),
}
DEVICE_LENGTH = 80


def _site_name(client_id: str) -> str:
    client = services().clients.get(client_id)
    return client.name if client is not None and client.name else client_id


def _session_rows(person) -> list[dict]:
    """What the person sees of each session: device, when, which sites."""
    rows = []
    for sso in sso_session.of_account(person.account.id):
        device = device_names.describe(sso.user_agent) or sso.user_agent or message("unknown_device")
        signed_in_at = datetime_text(sso.created_at)
        rows.append(
            {
                "sid": sso.sid,
                "current": sso.sid == person.session.sid,
                "device": device if len(device) <= DEVICE_LENGTH else device[: DEVICE_LENGTH - 1] + "…",
                "signed_in": signed_in_at,
                "sites": [_site_name(client_id) for client_id in sso.clients],
            }
        )
    return rows


def datetime_text(timestamp: int) -> str:
    return message("moscow_moment", moment=moscow_time(datetime.fromtimestamp(timestamp, tz=UTC)))


@bp.get("/account")
@signed_in
def page(person):
    account = person.account
    current = state(account, utcnow())
    deadline = None
    if current != ACTIVE and account.email_verified_at is None and account.activation_deadline:
        deadline = deadline_text(account)
    return render_template(
        "account.html",
        account=account,
        state=current,
        state_label=gettext(STATE_LABELS[current]) if current in STATE_LABELS else current,
        deadline=deadline,
        notice=message(request.args.get("notice")),
        sessions=_session_rows(person),
        methods=second_factors.available(account),
        enrolled=authenticator.is_enrolled(account),
        recovery_left=authenticator.recovery_codes_left(account),
    )


@bp.post("/account/sessions/end")
@signed_in
def end_session(person):
    """«Завершить»: one of the person's other sessions, by its public sid."""
    form = EndSessionForm()
    for sso in sso_session.of_account(person.account.id):
        if form.validate() and sso.sid == form.sid.data and sso.sid != person.session.sid:
            sso_session.end_session(sso)
            return redirect(url_for("account.page", notice="session_ended"))
    return redirect(url_for("account.page"))


@bp.post("/account/logout")
def logout():
    """«Выйти на этом устройстве»."""
    sso_session.end()
    return redirect(url_for("login.login_form", notice="signed_out"))


@bp.post("/account/logout/everywhere")
@signed_in
def logout_everywhere(person):
    """«Выйти на всех устройствах»."""
    sso_session.end_all(person.account.id)
    sso_session.end()
    return redirect(url_for("login.login_form", notice="signed_out_everywhere"))
