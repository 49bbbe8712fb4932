"""The account page's second factor: enrol an authenticator app (QR code, then a code from
it, then the recovery codes, shown once), remove it, choose SMS or the app for step-up."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for

from flows import authenticator
from flows.forms.second_factor import EnrolmentForm, PasswordConfirmedForm, SecondFactorChoiceForm
from idp.accounts import second_factors
from idp.db import db
from idp.web.forms import not_stored, render_form
from idp.web.signed_in import signed_in

bp = Blueprint("second_factor", __name__)


def _to_account(notice: str):
    return redirect(url_for("account.page", notice=notice))


def _enrolment_page(form: EnrolmentForm, secret: str, status=200):
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr_svg = authenticator.qr_svg(form.account, secret)
    return not_stored(render_form("authenticator_enrol.html", form, status, qr_svg=qr_svg, secret=grouped))


@bp.get("/account/authenticator")
@signed_in
def enrol_form(person):
    if authenticator.is_enrolled(person.account):
        return _to_account("authenticator_already")
    secret = authenticator.pending_secret(person.account) or authenticator.start_enrolment(person.account)
    return _enrolment_page(EnrolmentForm(person.account), secret)


@bp.post("/account/authenticator")
@signed_in
def enrol_submit(person):
    account = person.account
    secret = authenticator.pending_secret(account)
    if secret is None:
        return redirect(url_for("second_factor.enrol_form"))
    form = EnrolmentForm(account)
    if not form.validate():
        return _enrolment_page(form, secret, 400)
    codes = authenticator.confirm_enrolment(account, form.code.data)
    if codes is None:
        return _enrolment_page(form.refuse("app_code_wrong"), secret, 400)
    return not_stored(render_form("recovery_codes.html", form.tell("authenticator_added"), codes=codes))


@bp.post("/account/authenticator/remove")
@signed_in
def remove(person):
    form = PasswordConfirmedForm(person.account)
    if not form.validate():
        return redirect(url_for("account.page", notice="authenticator_not_removed"))
    authenticator.remove(person.account)
    return _to_account("authenticator_removed")


@bp.post("/account/second-factor")
@signed_in
def choose(person):
    form = SecondFactorChoiceForm()
    if form.validate() and form.method.data in second_factors.available(person.account):
        person.account.second_factor = form.method.data
        db.session.commit()
    return _to_account("second_factor_saved")
