"""The registration page: «Зарегистрируйтесь» → the form → «Продолжить регистрацию»."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from flows import confirmation, sms_step
from flows.enrolment import Evidence, register
from flows.forms.registration import RegistrationForm
from flows.login import client_ip, limit_per_ip
from flows.sms_password import SmsPasswordError
from idp.services import settings
from idp.web.even_time import even_time
from idp.web.forms import render_form

bp = Blueprint("registration", __name__)


def _show(form, status=200):
    return render_form("register.html", form, status, video_url=settings().video_instruction_url)


@bp.get("/register")
def form():
    return _show(RegistrationForm())


@bp.post("/register")
@even_time
def submit():
    form = RegistrationForm()
    if not form.validate():
        return _show(form, 400)
    evidence = Evidence(channel="web", ip_address=client_ip(), user_agent=request.headers.get("User-Agent"))
    limit_per_ip("register-ip")
    try:
        created = register(form.person(), form.consents(), evidence)
    except SmsPasswordError as exc:
        return _show(form.refuse_for(exc), 429)
    # The same answer whether a cabinet was created or the e-mail/phone was taken.
    sms_step.start(form.email.checked, form.phone.checked, confirmation.new_proof(created))
    return redirect(url_for("login.login_form", ia=form.ia.data, step="sms"))
