"""The `lk-idp` commands, added to the app's CLI by the factory (the entry point is idp.console)."""

from __future__ import annotations

import json
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from werkzeug.datastructures import MultiDict
from werkzeug.serving import run_simple

from consent.cli import consents as consents_cli
from flows.closure import erase_closed_accounts
from flows.delivery.worker import run_forever, run_pass
from flows.enrolment import Evidence, register
from flows.expiry import purge_expired
from flows.forms.registration import RegistrationForm
from flows.office import dev_account
from flows.office.cli import staff as staff_cli
from flows.sms_password import SmsPasswordError
from idp.accounts import phones
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, Client, SigningKey
from idp.oidc import clients as client_admin
from idp.oidc import keys as key_admin
from idp.web.messages import for_error


def register_cli(app: Flask) -> None:
    for group in (accounts, clients, keys):
        app.cli.add_command(group)
    app.cli.add_command(serve)
    app.cli.add_command(consents_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(worker)


@click.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@with_appcontext
def serve(host: str, port: int):
    """Development server: migrate, load the clients file, serve."""

    upgrade()
    settings = current_app.extensions["idp"].settings
    clients_file = settings.clients_file or ("config/clients.example.toml" if settings.development else "")
    if clients_file:
        loaded = client_admin.load_into_db(clients_file)
        click.echo(f"clients: {', '.join(c.client_id for c in loaded)}")
    if settings.development:
        login, password, totp_secret = dev_account.ensure()
        click.echo(
            f"client office console (development only): {settings.issuer}/staff/login"
            f"  login: {login}  password: {password}  TOTP secret: {totp_secret}"
        )
    click.echo(
        f"lk-idp on http://{host}:{port}  (discovery: {settings.issuer}/.well-known/openid-configuration)"
    )

    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command()
@click.option("--once", is_flag=True, help="One pass over what is due, then exit.")
@click.option(
    "--interval", type=float, default=None, help="Seconds between passes (IDP_DELIVERY_POLL_INTERVAL)."
)
@with_appcontext
def worker(once: bool, interval: float | None):
    """Deliver queued SMS and e-mail, with retries; any number may run side by side."""

    if once:
        click.echo(f"delivered {run_pass()}")
        return
    settings = current_app.extensions["idp"].settings
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    interval = interval or settings.delivery_poll_interval
    click.echo(f"lk-idp worker: polling every {interval:g} s")
    run_forever(current_app._get_current_object(), interval, stop)


@click.group()
def accounts():
    """Accounts (development and tests; people register through the pages)."""


@accounts.command("create")
@click.option("--email", required=True)
@click.option("--phone", required=True)
@click.option("--family-name", required=True)
@click.option("--given-name", required=True)
@click.option("--middle-name", default=None)
@click.option("--password", prompt=True, hide_input=True)
@with_appcontext
def accounts_create(email, phone, family_name, given_name, middle_name, password):
    """Create an already activated account."""

    normalized = phones.normalize(phone)
    if normalized is None:
        raise click.BadParameter("not a phone number", param_hint="--phone")
    now = utcnow()
    account = Account(
        email=email.strip().lower(),
        phone=normalized,
        family_name=family_name,
        given_name=given_name,
        middle_name=middle_name,
        password_hash=current_app.extensions["idp"].passwords.hash(password),
        phone_verified_at=now,
        email_verified_at=now,
        password_changed_at=now,
    )
    db.session.add(account)
    db.session.commit()
    click.echo(account.sub)


@accounts.command("purge-expired")
@with_appcontext
def accounts_purge_expired():
    """Delete cabinets past their activation deadline (and office registrations never
    confirmed by SMS); keeps one anonymous audit event each. Safe to run concurrently."""

    click.echo(f"purged {purge_expired()} accounts")


@accounts.command("register-assisted")
@click.option("--family-name", required=True)
@click.option("--given-name", required=True)
@click.option("--middle-name", default=None)
@click.option("--no-middle-name", is_flag=True, help="The applicant has no patronymic.")
@click.option("--phone", required=True, help="Mobile phone; the SMS password goes there.")
@click.option("--email", required=True, help="The login; the activation link goes there.")
@click.option("--mailing/--no-mailing", default=False, help="Consent to advertising mailings.")
@click.option("--operator", required=True, help="The client-office employee registering the cabinet.")
@with_appcontext
def accounts_register_assisted(
    family_name, given_name, middle_name, no_middle_name, phone, email, mailing, operator
):
    """Register a cabinet for an applicant in a client office.

    The applicant continues at /login with the SMS password."""

    answers = {
        "family_name": family_name,
        "given_name": given_name,
        "middle_name": middle_name or "",
        "no_middle_name": no_middle_name,
        "phone": phone,
        "email": email,
        # The applicant acknowledges and consents on the signed paper form.
        "consent_pd_law_152": True,
        "consent_pd_processing": True,
        "consent_mailing": mailing,
    }
    form = RegistrationForm(
        formdata=MultiDict({name: value for name, value in answers.items() if value is not False}),
        meta={"csrf": False},
    )
    if not form.validate():
        for field, errors in form.errors.items():
            click.echo(f"--{field.replace('_', '-')}: {errors[0]}", err=True)
        raise SystemExit(2)
    try:
        account = register(form.person(), form.consents(), Evidence(channel="office", operator=operator))
    except SmsPasswordError as exc:
        raise click.ClickException(for_error(exc)) from None
    if account is None:
        raise click.ClickException(
            "e-mail или телефон уже принадлежат Личному кабинету; владельцу отправлено письмо"
        )
    click.echo(account.sub)


@click.group()
def clients():
    """Relying parties."""


@clients.command("load")
@click.argument("path")
@with_appcontext
def clients_load(path):
    """Create or update the clients declared in a clients file."""
    try:
        loaded = client_admin.load_into_db(path)
    except client_admin.ClientFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"loaded {len(loaded)} clients")


@clients.command("list")
@with_appcontext
def clients_list():

    for client in Client.query.order_by(Client.client_id):
        click.echo(
            json.dumps(
                {
                    "client_id": client.client_id,
                    "auth": client.token_endpoint_auth_method,
                    "redirect_uris": client.redirect_uris,
                },
                ensure_ascii=False,
            )
        )


@clients.command("add")
@click.option("--client-id", required=True)
@click.option("--name", default="")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--post-logout-redirect-uri", "post_logout_uris", multiple=True)
@click.option("--public", is_flag=True, help="A public client: no secret, PKCE required.")
@with_appcontext
def clients_add(client_id, name, redirect_uris, post_logout_uris, public):
    """Register a relying party; prints its secret once."""
    secret = None if public else client_admin.new_secret()
    entry = {
        "client_id": client_id,
        "name": name or client_id,
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_uris),
        "token_endpoint_auth_method": "none" if public else "client_secret_basic",
        "client_secret": secret,
    }
    try:
        client_admin.upsert(client_admin.validate_entry(entry, "--client-id " + client_id))
    except client_admin.ClientFileError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"client_id: {client_id}")
    if secret:
        click.echo(f"client_secret: {secret}")


@clients.command("rotate-secret")
@click.argument("client_id")
@with_appcontext
def clients_rotate(client_id):
    """Replace a client's secret; prints the new one once."""
    try:
        click.echo(f"client_secret: {client_admin.rotate_secret(client_id)}")
    except client_admin.ClientFileError as exc:
        raise click.ClickException(str(exc)) from None


@clients.command("remove")
@click.argument("client_id")
@with_appcontext
def clients_remove(client_id):
    if not client_admin.remove(client_id):
        raise click.ClickException(f"no client {client_id!r}")
    click.echo(f"removed {client_id}")


@click.group()
def keys():
    """Signing keys."""


@keys.command("rotate")
@click.option("--alg", type=click.Choice(key_admin.ALGORITHMS), default="RS256")
@with_appcontext
def keys_rotate(alg):
    """Publish a new key now, sign with it after the lead time; keep the old one published."""
    settings = current_app.extensions["idp"].settings
    keep = max(settings.id_token_ttl, settings.access_token_ttl)
    key = key_admin.rotate(alg, settings.key_rotation_lead, keep)
    click.echo(f"new {alg} key kid={key.kid} signs from {key.active_from.isoformat()}")


@keys.command("list")
@with_appcontext
def keys_list():

    for key in SigningKey.query.order_by(SigningKey.active_from):
        retired = key.retired_at.isoformat() if key.retired_at else "-"
        click.echo(f"{key.kid} {key.alg} active_from={key.active_from.isoformat()} retired_at={retired}")


@accounts.command("erase-closed")
@with_appcontext
def accounts_erase_closed():
    """Erase the personal data of accounts closed longer ago than the retention period."""

    click.echo(f"erased {erase_closed_accounts(utcnow())} closed accounts")
