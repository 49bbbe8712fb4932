"""Staff sign-in at /staff/login: login and password, then a TOTP code (enrolled the first time)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from flows import signin_guard, totp
from flows.login import client_ip
from flows.office import audit, staff_auth, staff_session
from flows.office.audit import Actor
from flows.office.forms import StaffCodeForm, StaffLoginForm
from flows.office.staff_auth import StaffSignInRefused
from idp.db import db
from idp.store import ratelimit
from idp.web.forms import not_stored, render_form

bp = Blueprint("staff_signin", __name__, url_prefix="/staff")


def _attempt(login: str, staff) -> signin_guard.Attempt:
    """A staff sign-in counted by the customers' failure limits, under keys of its own."""
    key = f"staff:{staff.id}" if staff else "staff-login:" + login.strip().lower()
    return signin_guard.Attempt(key, client_ip(), None)


def _failed(staff, reason: str, tried: signin_guard.Attempt | None = None) -> None:
    if tried is not None:
        signin_guard.failed(tried)
    who = Actor.staff(staff, client_ip()) if staff else Actor(None, client_ip())
    audit.record(who, audit.SIGN_IN_FAILED, reason=reason, **({} if staff else {"login_known": False}))
    db.session.commit()


def _within_limits(tried: signin_guard.Attempt, staff) -> None:
    """Raise RateLimited (the app's handler answers 429 with the wait), recorded as a failure."""
    try:
        signin_guard.check(tried)
    except ratelimit.RateLimited:
        _failed(staff, "rate_limited")
        raise


@bp.get("/login")
def login_form():
    return render_form("office/login.html", StaffLoginForm().tell(request.args.get("notice")))


@bp.post("/login")
def login_submit():
    form = StaffLoginForm()
    if not form.validate():
        return render_form("office/login.html", form, 400)
    login = form.login.data
    known = staff_auth.find_staff(login)
    tried = _attempt(login, known)
    _within_limits(tried, known)
    try:
        staff = staff_auth.check_password(login, form.password.data)
    except StaffSignInRefused as refusal:
        _failed(staff_auth.find_staff(login), refusal.message_key, tried)
        return render_form("office/login.html", form.refuse(refusal.message_key), 401)
    enrolling = None if staff.totp_enrolled else totp.seal(totp.new_secret())
    sid = staff_session.start_pending(staff, enrolling)
    return staff_session.set_cookie(redirect(url_for("staff_signin.code_form")), sid)


def _code_page(staff, record, form, status=200):
    secret = totp.unseal(record.get("enrol_secret"))
    if not secret:
        return render_form("office/code.html", form, status, enrolment=None)
    enrolment = {"secret": secret, "qr_svg": staff_auth.qr_svg(secret, staff.login)}
    return not_stored(render_form("office/code.html", form, status, enrolment=enrolment))


@bp.get("/login/code")
@staff_session.code_pending
def code_form(staff, record):
    return _code_page(staff, record, StaffCodeForm())


@bp.post("/login/code")
@staff_session.code_pending
def code_submit(staff, record):
    form = StaffCodeForm()
    if not form.validate():
        return _code_page(staff, record, form, 400)
    tried = _attempt(staff.login, staff)
    _within_limits(tried, staff)
    try:
        staff_auth.check_code(staff, form.code.data, totp.unseal(record.get("enrol_secret")))
    except StaffSignInRefused as refusal:
        _failed(staff, refusal.message_key, tried)
        return _code_page(staff, record, form.refuse(refusal.message_key), 401)
    signin_guard.succeeded(tried)
    audit.record(Actor.staff(staff, client_ip()), audit.SIGNED_IN, enrolled=bool(record.get("enrol_secret")))
    db.session.commit()
    sid = staff_session.start(staff)
    return staff_session.set_cookie(redirect(url_for("office.home")), sid)


@bp.post("/logout")
@staff_session.staff_required()
def logout(staff):
    audit.record(Actor.staff(staff, client_ip()), audit.SIGNED_OUT)
    db.session.commit()
    staff_session.end()
    return staff_session.to_sign_in("staff_signed_out")
