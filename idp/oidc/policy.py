"""What this person must still do before a token is issued for them.

One ordered table, read top to bottom (after node-oidc-provider's interaction
policy). Each check names why the person must act and where they do it. The
authorization endpoint asks `evaluate`; each flow clears one check and sends the
person back to the paused request. `prompt=none` turns a prompt into its error.
Adding a step is adding a row; a package outside idp adds its own with
`add_check` when the app is built (the consent flow's newer-version check).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from idp.accounts.lifecycle import is_live
from idp.models import Account
from idp.sessions.sso_session import ACR_LEVELS, SsoSession


@dataclass
class Context:
    """What the checks may look at; built by the authorization endpoint."""

    session: SsoSession | None
    account: Account | None
    params: dict
    now: float
    interaction_started_at: float | None  # when the paused request was first seen
    extra: dict


@dataclass(frozen=True)
class Check:
    name: str
    prompt: str  # the interaction that clears it; "refuse" stops with an explanation
    endpoint: str  # the flow's Flask endpoint, or the refusal's message key
    error: str  # the OIDC error for prompt=none
    applies: Callable[[Context], bool]


def _no_session(ctx: Context) -> bool:
    return ctx.session is None or not is_live(ctx.account, moment(ctx))


def _prompt_login(ctx: Context) -> bool:
    if "login" not in ctx.params.get("prompt", "").split():
        return False
    started = ctx.interaction_started_at
    return started is None or ctx.session.auth_time < int(started)


def _max_age(ctx: Context) -> bool:
    max_age = ctx.params.get("max_age")
    if max_age in (None, ""):
        return False
    return ctx.now - ctx.session.auth_time > int(max_age)


def _password_not_set(ctx: Context) -> bool:
    return ctx.account.password_changed_at is None


def _not_activated(ctx: Context) -> bool:
    return ctx.account.email_verified_at is None


def _needs_password_proof(ctx: Context) -> bool:
    return "pwd" not in ctx.session.amr


def _acr_above_session(ctx: Context) -> bool:
    wanted = [v for v in ctx.params.get("acr_values", "").split() if v in ACR_LEVELS]
    if not wanted:
        return False
    needed = min(ACR_LEVELS.index(v) for v in wanted)
    return ACR_LEVELS.index(ctx.session.acr) < needed


def moment(ctx: Context) -> datetime:
    """The request's time as an aware datetime, for checks that compare with stored times."""
    return datetime.fromtimestamp(ctx.now, tz=UTC)


CHECKS: list[Check] = [
    Check("no_session", "login", "login.login_form", "login_required", _no_session),
    Check("prompt_login", "login", "login.login_form", "login_required", _prompt_login),
    Check("max_age", "login", "login.login_form", "login_required", _max_age),
    Check(
        "password_not_set",
        "password",
        "password.change_form",
        "interaction_required",
        _password_not_set,
    ),
    Check("not_activated", "refuse", "not_activated", "access_denied", _not_activated),
    Check("password_proof", "login", "login.login_form", "login_required", _needs_password_proof),
    Check("acr_values", "step_up", "stepup.form", "interaction_required", _acr_above_session),
]


def add_check(check: Check, before: str | None = None) -> None:
    """A row contributed from outside idp (the consent flow's own check), handed in at start-up.
    Adding it twice (a second app in one process) keeps one row."""
    if any(existing.name == check.name for existing in CHECKS):
        return
    names = [existing.name for existing in CHECKS]
    CHECKS.insert(names.index(before) if before in names else len(CHECKS), check)


def evaluate(ctx: Context) -> Check | None:
    """The first check this request fails, or None when a token may be issued."""
    for check in CHECKS:
        if check.applies(ctx):
            return check
    return None
