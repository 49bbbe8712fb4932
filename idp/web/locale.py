"""Which language a page and its e-mails speak: ui_locales, remembered for the session, then
Accept-Language, then Russian.

A relying party passes ui_locales on the authorization request; the person then walks
through several of our pages, so the choice is kept in the session cookie rather than
carried on every link.
"""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_babel import force_locale

DEFAULT = "ru"
SUPPORTED = ("ru", "en")
# BCP 47 tags for discovery's ui_locales_supported, in SUPPORTED's order.
PUBLISHED = ("ru-RU", "en")
SESSION_KEY = "ui_locale"


def first_supported(ui_locales: str) -> str | None:
    """The first tag of a space-separated ui_locales list we can speak (en-GB counts as en)."""
    for tag in ui_locales.split():
        language = tag.split("-")[0].lower()
        if language in SUPPORTED:
            return language
    return None


def remember_ui_locales() -> None:
    """Before each request: a ui_locales parameter on any page sets the session's language."""
    asked = request.args.get("ui_locales")
    if asked is None and request.endpoint == "oidc.authorize" and request.method == "POST":
        asked = request.form.get("ui_locales")
    chosen = first_supported(asked) if asked else None
    if chosen and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT  # a command or the worker: no person, no preference
    chosen = session.get(SESSION_KEY)
    if chosen in SUPPORTED:
        return chosen
    return request.accept_languages.best_match(SUPPORTED) or DEFAULT


def tag_of_page() -> str:
    """The page's language as a BCP 47 tag, kept as an account's locale."""
    return dict(zip(SUPPORTED, PUBLISHED, strict=True)).get(select_locale(), PUBLISHED[0])


def in_language_of(account_locale: str | None):
    """Render in the account's own language (a message to its owner may be caused by someone else)."""
    return force_locale(first_supported(account_locale or "") or DEFAULT)
