"""TOTP (RFC 6238, pyotp) as both second factors use it: a customer's authenticator app
(flows/authenticator.py) and a client-office employee's (flows/office/staff_auth.py).

The secret must be read back to check a code, so it is kept sealed with a key derived
from IDP_SECRET_KEY. A code counts for the current time step or the one before or after;
callers remember the step they accepted, so that each code is accepted once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pyotp
import qrcode
import qrcode.image.svg
from cryptography.fernet import Fernet, InvalidToken

from idp.services import settings


def new_secret() -> str:
    return pyotp.random_base32()


def _fernet() -> Fernet:
    key = hashlib.sha256(b"lk-idp totp secrets\0" + settings().secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str | None) -> str | None:
    """The secret, or None when there is none or IDP_SECRET_KEY changed (enrol again)."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def qr_svg(secret: str, name: str, issuer: str) -> str:
    """The secret's otpauth:// URI as a QR code in inline SVG markup, for the enrolment pages (the
    qrcode package's path image: no raster library; inline, as their CSP admits no data: image)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)
    return qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string().decode()


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (previous, current or next) whose code this is, or None."""
    code = "".join((code or "").split())
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
