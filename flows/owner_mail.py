"""An e-mail to a cabinet's owner, in the owner's language: its subject from the message
catalogue and its two bodies from templates/email/<name>.txt and .html."""

from __future__ import annotations

from flask import render_template

from flows.delivery.outbox import enqueue_email
from idp.models import Account
from idp.web.locale import in_language_of
from idp.web.messages import email_subject


def queue(account: Account, name: str, **values) -> None:
    """Queue e-mail `name` to the account's address in the caller's transaction (the caller
    commits); the templates get the account and `values`."""
    values = {"account": account, **values}
    with in_language_of(account.locale):
        enqueue_email(
            account.email,
            email_subject(name),
            render_template(f"email/{name}.txt", **values),
            render_template(f"email/{name}.html", **values),
        )
