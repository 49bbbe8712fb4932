"""/dev/outbox: every SMS, e-mail and back-channel logout the provider wrote, newest first
(development only).

With the console SMS backend and no SMTP server this page is where a newcomer
reads the SMS password and follows the activation link in `make run`, and sees
the logouts that would have gone to the example clients' real hosts.
"""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from flows.delivery import backchannel
from flows.delivery.outbox import OutboxMessage

bp = Blueprint("dev_outbox", __name__, url_prefix="/dev")
SHOWN = 100
URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING = ".,;:!?)»"


def linkify(text: str) -> Markup:
    """Escape the text and make its http(s) URLs clickable."""
    parts = []
    position = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        parts.append(escape(text[position : match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


@bp.app_template_filter("linkify")
def _linkify_filter(text: str) -> Markup:
    return linkify(text)


@bp.get("/outbox")
def outbox():
    query = OutboxMessage.query
    recipient = request.args.get("to", "").strip()
    if recipient:
        query = query.filter(OutboxMessage.recipient == recipient)
    messages = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(SHOWN).all()
    held = {
        m.id
        for m in messages
        if m.channel == backchannel.CHANNEL and not backchannel.is_loopback(m.recipient)
    }
    return render_template("dev_outbox.html", messages=messages, recipient=recipient, held=held)
