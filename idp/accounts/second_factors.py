"""Which second factors an account can use now: SMS to a verified phone, and what other
packages register (the authenticator app, from flows). The policy asks before a step-up,
so that a level nobody can reach ends the request instead of sending a person in circles."""

from __future__ import annotations

from collections.abc import Callable

SMS = "sms"
_AVAILABLE: dict[str, Callable] = {SMS: lambda account: account.phone_verified_at is not None}


def register(method: str, available: Callable) -> None:
    """A second factor contributed at start-up (an amr value and "can this account use it?")."""
    _AVAILABLE[method] = available


def available(account) -> list[str]:
    """The methods this account can prove now, the person's own choice first."""
    methods = [method for method, usable in _AVAILABLE.items() if usable(account)]
    preferred = getattr(account, "second_factor", None)
    if preferred in methods:
        methods.remove(preferred)
        methods.insert(0, preferred)
    return methods
