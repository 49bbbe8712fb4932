"""The change-password form: «Новый пароль», «Подтверждение пароля», «Изменить пароль».

After the change the person signs in again with e-mail and the new password, as
the procedure says; the paused authorization request (?ia=) goes along.
"""

from __future__ import annotations

from flask import Blueprint, redirect, session, url_for

from flows import activation_link
from flows.forms.password import PasswordChangeForm
from flows.login import PENDING_ACTIVATION, remember_login
from idp.clock import clock, utcnow
from idp.db import db
from idp.models import Account, audit
from idp.services import services, settings
from idp.sessions import sso_session
from idp.web.formats import masked_email
from idp.web.forms import render_form
from idp.web.signed_in import SignedInPerson, signed_in

bp = Blueprint("password", __name__)


def _asks_current_password(person: SignedInPerson) -> bool:
    """A password set earlier must be typed again, unless the phone was proven by an
    SMS code within the code's lifetime (the «Забыли пароль?» path)."""
    if person.account.password_changed_at is None:
        return False
    sso = person.session
    return not ("sms" in sso.amr and clock.time() - sso.auth_time < settings().sms_code_ttl)


def _form(person: SignedInPerson) -> PasswordChangeForm:
    return PasswordChangeForm(person.account, _asks_current_password(person))


def _activation(account: Account) -> dict | None:
    """Where the activation link went and until when, while the cabinet waits for it."""
    if not activation_link.waits_for_activation(account):
        return None
    return {"email": masked_email(account.email), "deadline": activation_link.deadline_text(account)}


def _show(form: PasswordChangeForm, status=200):
    return render_form(
        "password_change.html",
        form,
        status,
        asks_current=form.asks_current,
        had_password=form.account.password_changed_at is not None,
        min_length=settings().password_min_length,
        activation=_activation(form.account),
    )


@bp.get("/password/change")
@signed_in(notice="sign_in_first")
def change_form(person):
    return _show(_form(person))


@bp.post("/password/change")
@signed_in(notice="sign_in_first")
def change_submit(person):
    form = _form(person)
    if not form.validate():
        return _show(form, 400)
    account = person.account
    account.password_hash = services().passwords.hash(form.new_password.data)
    account.password_changed_at = utcnow()
    audit("account.password_changed", subject=account.sub)
    db.session.commit()
    if form.sign_out_elsewhere.data:
        sso_session.end_all(account.id)
    sso_session.end()
    remember_login(account.email)
    activation = _activation(account)
    if activation:
        session[PENDING_ACTIVATION] = activation
    else:
        session.pop(PENDING_ACTIVATION, None)
    return redirect(url_for("login.login_form", ia=form.ia.data, notice="password_changed"))
