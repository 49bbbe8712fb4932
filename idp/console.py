"""The `lk-idp` console entry point: a Flask CLI group whose app is made by the factory."""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup

from idp.app import create_app
from idp.settings import SettingsError


def _create_app():
    try:
        return create_app()
    except SettingsError as exc:
        click.echo(f"lk-idp: bad configuration: {exc}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """lk-idp: the OpenID Connect provider behind «Ваш личный кабинет»."""
