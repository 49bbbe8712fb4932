"""`lk-idp staff create|list|disable|reset-totp`: the client office's employees."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from flows.office import staff_auth
from flows.office.models import ROLES, StaffAccount
from flows.password_rules import PasswordRejected, check_new_password
from idp.web.messages import message


def _staff_or_fail(login: str) -> StaffAccount:
    staff = staff_auth.find_staff(login)
    if staff is None:
        raise click.ClickException(f"no staff account {login!r}")
    return staff


def checked_password(password: str, login: str) -> str:
    """The password if it passes the customers' rules, else a ClickException with the reason."""
    candidate = StaffAccount(login=login)
    try:
        check_new_password(
            password, password, candidate, current_app.extensions["idp"].settings.password_min_length
        )
    except PasswordRejected as rejected:
        raise click.ClickException(message(rejected.message_key, **rejected.values)) from None
    return password


@click.group()
def staff():
    """Employees of the client offices (the console at /staff)."""


@staff.command("create")
@click.option("--login", required=True)
@click.option("--name", "full_name", required=True, help="Full name, as the audit shows it.")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def staff_create(login, full_name, role, password):
    """Create a staff account; the authenticator is enrolled at the first sign-in."""
    if staff_auth.find_staff(login) is not None:
        raise click.ClickException(f"staff account {login!r} exists")
    staff_auth.create(login, full_name, role, checked_password(password, login))
    click.echo(f"created {login} ({role}); enrol the authenticator at the first sign-in at /staff/login")


@staff.command("list")
@with_appcontext
def staff_list():
    for account in StaffAccount.query.order_by(StaffAccount.login):
        click.echo(
            json.dumps(
                {
                    "login": account.login,
                    "name": account.full_name,
                    "role": account.role,
                    "totp_enrolled": account.totp_enrolled,
                    "disabled": account.disabled_at is not None,
                },
                ensure_ascii=False,
            )
        )


@staff.command("disable")
@click.argument("login")
@with_appcontext
def staff_disable(login):
    """Refuse this account from now on, its open sessions included."""
    staff_auth.disable(_staff_or_fail(login))
    click.echo(f"disabled {login}")


@staff.command("reset-totp")
@click.argument("login")
@with_appcontext
def staff_reset_totp(login):
    """Forget the authenticator (a lost phone); the next sign-in enrols a new one."""
    staff_auth.reset_totp(_staff_or_fail(login))
    click.echo(f"{login}: the next sign-in enrols a new authenticator")
