"""The development staff account `make run` offers, so that a newcomer can try the console."""

from __future__ import annotations

import secrets

from flows import totp
from flows.office import staff_auth
from flows.office.models import ADMINISTRATOR
from idp.db import db
from idp.services import services

LOGIN = "dev-operator"
NAME = "Оператор для разработки"


def ensure() -> tuple[str, str, str]:
    """(login, password, TOTP secret): the account exists, enrolled, with a new password each start."""
    password = "dev-" + secrets.token_urlsafe(12)
    staff = staff_auth.find_staff(LOGIN)
    if staff is None:
        staff = staff_auth.create(LOGIN, NAME, ADMINISTRATOR, password)
    else:
        staff.password_hash = services().passwords.hash(password)
        staff.disabled_at = None
    db.session.commit()
    secret = staff_auth.totp_secret(staff)
    if secret is None:
        secret = totp.new_secret()
        staff_auth.enrol(staff, secret)
    return LOGIN, password, secret
