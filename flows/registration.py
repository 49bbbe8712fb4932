"""The registration page: «Зарегистрируйтесь» → the form → «Продолжить регистрацию»."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from flows import validation
from flows.enrolment import Evidence, register
from flows.login import client_ip, limit_per_ip, remember_login
from flows.sms_password import SmsPasswordError
from idp.services import settings
from idp.store import ratelimit
from idp.web.messages import for_error, message

bp = Blueprint("registration", __name__)


def _page(ia, form=None, errors=None, error=None, status=200):
    errors = errors or {}
    return (
        render_template(
            "register.html",
            ia=ia,
            form=form or {},
            field_errors={field: message(key) for field, key in errors.items()},
            error=error or (message("form_has_errors") if errors else None),
            video_url=settings().video_instruction_url,
        ),
        status,
    )


@bp.get("/register")
def form():
    return _page(request.args.get("ia"))


@bp.post("/register")
def submit():
    ia = request.form.get("ia") or None
    form = request.form.to_dict()
    person, errors = validation.registration(form)
    if errors:
        return _page(ia, form, errors, status=400)
    evidence = Evidence(channel="web", ip_address=client_ip(), user_agent=request.headers.get("User-Agent"))
    try:
        limit_per_ip("register-ip")
        register(person, validation.consents_given(form), evidence)
    except ratelimit.RateLimited:
        return _page(ia, form, error=message("too_many_attempts"), status=429)
    except SmsPasswordError as exc:
        return _page(ia, form, error=for_error(exc), status=429)
    # The same answer whether a cabinet was created or the e-mail/phone was taken.
    remember_login(person.email)
    return redirect(url_for("login.login_form", ia=ia, notice="sms_sent"))
