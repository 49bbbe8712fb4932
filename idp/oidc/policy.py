"""What this person must still do before a token is issued for them.

One ordered table, read top to bottom (after node-oidc-provider's interaction
policy). Each check names why the person must act and where they do it. The
authorization endpoint asks `evaluate`; each flow clears one check and sends the
person back to the paused request. `prompt=none` turns a prompt into its error.
Adding a step is adding a row; a package outside idp adds its own with
`add_check` when the app is built (the consent flow's newer-version check).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from idp.accounts import second_factors
from idp.accounts.lifecycle import is_live
from idp.models import Account
from idp.sessions.sso_session import ACR_LEVELS, ACR_MFA, SsoSession

UNMET = "unmet_authentication_requirements"  # OpenID Connect Core 1.0 errata set 2, 3.1.2.6


@dataclass
class Context:
    """What the checks may look at; built by the authorization endpoint."""

    session: SsoSession | None
    account: Account | None
    params: dict
    now: float
    interaction_started_at: float | None  # when the paused request was first seen
    extra: dict
    declined: list[str] = field(default_factory=list)  # prompts the person cancelled


@dataclass(frozen=True)
class Check:
    name: str
    # the interaction that clears it; "refuse" stops with an explanation to the person,
    # "unmet" ends the request at the relying party with `error`, prompt=none or not
    prompt: str
    endpoint: str  # the flow's Flask endpoint, or the refusal's message key
    error: str  # the OIDC error for prompt=none (and for "unmet")
    applies: Callable[[Context], bool]


def _no_session(ctx: Context) -> bool:
    return ctx.session is None or not is_live(ctx.account, moment(ctx))


def _signed_in_during_this_request(ctx: Context) -> bool:
    """A sign-in after the paused request was first seen is fresh for prompt=login and max_age."""
    started = ctx.interaction_started_at
    return started is not None and ctx.session.auth_time >= int(started)


def _prompt_login(ctx: Context) -> bool:
    if "login" not in ctx.params.get("prompt", "").split():
        return False
    return not _signed_in_during_this_request(ctx)


def _max_age(ctx: Context) -> bool:
    max_age = ctx.params.get("max_age")
    if max_age in (None, "") or _signed_in_during_this_request(ctx):
        return False
    # auth_time is in whole seconds: so is the elapsed time (OIDC Core 3.1.2.1).
    return int(ctx.now) - ctx.session.auth_time > int(max_age)


def _password_not_set(ctx: Context) -> bool:
    return ctx.account.password_changed_at is None


def _not_activated(ctx: Context) -> bool:
    return ctx.account.email_verified_at is None


def _needs_password_proof(ctx: Context) -> bool:
    return "pwd" not in ctx.session.amr


def requested_acr(params: dict) -> list[str]:
    """The levels the relying party listed: an acr in the `claims` parameter (OIDC Core
    5.5.1.1) or else `acr_values`. Either is a requirement here: the acr granted is always
    one of them, or the request ends with an error."""
    try:
        asked = (json.loads(params.get("claims") or "{}").get("id_token") or {}).get("acr")
    except (ValueError, AttributeError):
        asked = None  # a malformed claims parameter is refused before the policy runs
    if isinstance(asked, dict) and (asked.get("values") or asked.get("value")):
        values = asked.get("values") or [asked.get("value")]
        return [v for v in values if isinstance(v, str)]
    return params.get("acr_values", "").split()


def granted_acr(ctx: Context) -> str | None:
    """The acr the token states: the strongest listed level the session reaches (every level
    includes the ones below it), the session's own when none was asked; None when none fits."""
    listed = requested_acr(ctx.params)
    if not listed:
        return ctx.session.acr
    reached = ACR_LEVELS.index(ctx.session.acr)
    fitting = [v for v in listed if v in ACR_LEVELS and ACR_LEVELS.index(v) <= reached]
    return max(fitting, key=ACR_LEVELS.index) if fitting else None


def _acr_unknown(ctx: Context) -> bool:
    listed = requested_acr(ctx.params)
    return bool(listed) and not any(v in ACR_LEVELS for v in listed)


def _acr_above_session(ctx: Context) -> bool:
    return granted_acr(ctx) is None


def _acr_unreachable(ctx: Context) -> bool:
    """The level needs a second factor and the account has none to prove."""
    return (
        _acr_above_session(ctx)
        and ACR_MFA in requested_acr(ctx.params)
        and not (second_factors.available(ctx.account))
    )


def _acr_declined(ctx: Context) -> bool:
    return _acr_above_session(ctx) and "step_up" in ctx.declined


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
    Check("acr_unknown", "unmet", "", UNMET, _acr_unknown),
    Check("acr_unreachable", "unmet", "", UNMET, _acr_unreachable),
    Check("acr_declined", "unmet", "", UNMET, _acr_declined),
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
