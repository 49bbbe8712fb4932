"""What the sign-in pages share: the login kept for the next page, the limits per address and
per login, and what happens once a person is in."""

from __future__ import annotations

from functools import wraps

from flask import redirect, request, session, url_for

from idp.oidc import interaction
from idp.ops import metrics
from idp.services import settings
from idp.sessions import sso_session
from idp.store import ratelimit

# The login a person just registered with or changed the password for, kept in the
# signed cookie rather than the URL, where it would end up in access logs.
PENDING_LOGIN = "pending_login"
# After «Изменить пароль» on a cabinet not yet activated: where the link went and until when.
PENDING_ACTIVATION = "pending_activation"


def client_ip() -> str:
    return request.remote_addr or "unknown"


def remember_login(login: str) -> None:
    session[PENDING_LOGIN] = login


def kept_login(key: str, form_class, back_to: str):
    """A POST view on a page for the login an earlier page kept in the session under `key`: the
    view gets the submitted form and that login. With none kept (the cookie expired, another tab
    finished first) the person goes back to `back_to`, with the paused request's ia."""

    def decorate(view):
        @wraps(view)
        def wrapper():
            form = form_class()
            login = session.get(key)
            if not login:
                return redirect(url_for(back_to, ia=form.ia.data))
            return view(form, login)

        return wrapper

    return decorate


def limit_per_ip(name: str) -> None:
    """Raise RateLimited when this address does far more than one person would."""
    limits = settings()
    ratelimit.hit(name, client_ip(), limits.login_attempts_per_window * 10, limits.login_attempt_window)


def signed_in(ia, result):
    """The session starts; the SMS password leads on to «Изменить пароль», a password back to the site."""
    session.pop(PENDING_LOGIN, None)
    metrics.count("sign_ins", result="success", level=result.method)
    sso_session.sign_in(result.account.id, result.method)
    if result.method == "sms":
        return redirect(url_for("password.change_form", ia=ia))
    session.pop(PENDING_ACTIVATION, None)
    return redirect(interaction.resume_url(ia))
