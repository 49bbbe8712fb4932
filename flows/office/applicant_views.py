"""The operator's pages: find an applicant's cabinet, register one, send the SMS password again,
print the acknowledgement the applicant signs."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from flows.login import client_ip
from flows.office import applicants, audit
from flows.office.applicants import AlreadyRegistered, NotWaitingForSms
from flows.office.audit import Actor
from flows.office.forms import ApplicantForm
from flows.office.staff_session import may, staff_required
from flows.sms_password import SmsPasswordError
from idp.db import db
from idp.web.messages import for_error, message

bp = Blueprint("office", __name__, url_prefix="/staff")


@bp.app_context_processor
def _office_helpers() -> dict:
    return {"office_text": message, "staff_may": may}


def _actor(staff) -> Actor:
    return Actor.staff(staff, client_ip())


def _render(template, staff, status=200, **values):
    values.setdefault("notice", message(request.args.get("notice")))
    return render_template(template, staff=staff, **values), status


@bp.get("")
@bp.get("/")
@staff_required()
def home(staff):
    return redirect(url_for("office.search"))


@bp.get("/applicants")
@staff_required()
def search(staff):
    query = (request.args.get("q") or "").strip()
    found = []
    if query:
        found = applicants.find(query)
        only = found[0].sub if len(found) == 1 else None
        audit.record(_actor(staff), audit.SEARCHED, only, results=len(found))
        db.session.commit()
    rows = [(account, applicants.status(account)) for account in found]
    return _render("office/search.html", staff, query=query, rows=rows)


@bp.get("/applicants/new")
@staff_required()
def new_form(staff):
    form = ApplicantForm(recreates=request.args.get("recreates") or "")
    if request.args.get("service") in applicants.services_offered():
        form.service.data = request.args["service"]
    recreating = bool(form.recreates.data)
    return _render("office/applicant_new.html", staff, form=form, recreating=recreating)


@bp.post("/applicants/new")
@staff_required()
def new_submit(staff):
    form = ApplicantForm()
    recreating = bool(form.recreates.data)
    if not form.validate():
        return _render(
            "office/applicant_new.html",
            staff,
            400,
            form=form,
            recreating=recreating,
            error=message("form_has_errors"),
        )
    try:
        account = applicants.create(
            form.person(),
            form.consents(),
            form.service.data,
            _actor(staff),
            recreates=form.recreates.data or None,
        )
    except AlreadyRegistered as taken:
        for name in taken.taken:
            getattr(form, name).errors = [message(f"office_taken_{name}")]
        error = " ".join(message(f"office_taken_{name}") for name in taken.taken)
        return _render("office/applicant_new.html", staff, 409, form=form, recreating=recreating, error=error)
    except SmsPasswordError as exc:
        return _render(
            "office/applicant_new.html", staff, 429, form=form, recreating=recreating, error=for_error(exc)
        )
    return redirect(url_for("office.applicant", sub=account.sub, notice="office_created"))


def _account_or_404(sub):
    account = applicants.by_sub(sub)
    if account is None:
        abort(404)
    return account


@bp.get("/applicants/<sub>")
@staff_required()
def applicant(staff, sub):
    account = _account_or_404(sub)
    audit.record(_actor(staff), audit.VIEWED, account.sub)
    db.session.commit()
    return _render("office/applicant.html", staff, account=account, state=applicants.status(account))


@bp.post("/applicants/<sub>/sms")
@staff_required()
def resend(staff, sub):
    account = _account_or_404(sub)
    try:
        applicants.resend_sms(account, _actor(staff))
    except (NotWaitingForSms, SmsPasswordError) as exc:
        return _render(
            "office/applicant.html",
            staff,
            429 if isinstance(exc, SmsPasswordError) else 409,
            account=account,
            state=applicants.status(account),
            error=for_error(exc),
        )
    return redirect(url_for("office.applicant", sub=sub, notice="office_sms_resent"))


@bp.get("/applicants/<sub>/acknowledgement")
@staff_required()
def acknowledgement(staff, sub):
    account = _account_or_404(sub)
    service = audit.service_of(account.sub) or applicants.services_offered()[0]
    audit.record(_actor(staff), audit.ACKNOWLEDGEMENT, account.sub, service=service)
    db.session.commit()
    return render_template("office/acknowledgement.html", account=account, service=service)
