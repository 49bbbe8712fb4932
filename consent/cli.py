"""`lk-idp consents …`: answering an inquiry about one person's consents."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from consent.export import AccountNotFound, evidence, find_account


@click.group()
def consents():
    """Consents and their evidence."""


@consents.command("export")
@click.option("--account", "login", required=True, help="The person's e-mail or sub.")
@with_appcontext
def consents_export(login):
    """Print every grant and withdrawal of one person, with its evidence, as JSON."""
    try:
        account = find_account(login)
    except AccountNotFound:
        raise click.ClickException(
            "no such account (an erased account leaves only anonymous records)"
        ) from None
    click.echo(json.dumps(evidence(account), ensure_ascii=False, indent=2))
