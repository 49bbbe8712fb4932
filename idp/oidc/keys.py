"""Signing keys: created on first start or mounted as PEM files, rotated ahead of use.

The key ring is read once per process and re-read at most every REFRESH
seconds, so a rotation done by `lk-idp keys rotate` reaches every worker.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwk import ECKey, KeySet, RSAKey

from idp.clock import clock, utcnow
from idp.db import db
from idp.models import SigningKey
from idp.services import blocking, orm_session

REFRESH = 60
ALGORITHMS = ("RS256", "ES256")


def _generate(alg: str):
    if alg == "RS256":
        return RSAKey.generate_key(2048, private=True)
    if alg == "ES256":
        return ECKey.generate_key("P-256", private=True)
    raise ValueError(f"unsupported algorithm {alg}")


def _import(pem: str | bytes, alg: str, kid: str | None = None):
    cls = RSAKey if alg == "RS256" else ECKey
    key = cls.import_key(pem)
    kid = kid or key.thumbprint()
    return cls.import_key(pem, parameters={"kid": kid, "alg": alg, "use": "sig"})


def create_key(alg: str = "RS256", active_from=None) -> SigningKey:
    key = _generate(alg)
    row = SigningKey(
        kid=key.thumbprint(),
        alg=alg,
        private_pem=key.as_pem(private=True).decode(),
        active_from=active_from or utcnow(),
    )
    db.session.add(row)
    return row


def ensure_keys() -> None:
    """First start: one RS256 and one ES256 key, unless keys exist already."""
    for alg in ALGORITHMS:
        if SigningKey.query.filter_by(alg=alg, retired_at=None).first() is None:
            create_key(alg)
    db.session.commit()


def rotate(alg: str, lead_seconds: int, keep_seconds: int) -> SigningKey:
    """Publish a new key now, sign with it after lead_seconds; keep old keys published
    until every token they signed has expired."""
    now = utcnow()
    new = create_key(alg, active_from=now + timedelta(seconds=lead_seconds))
    for old in SigningKey.query.filter(SigningKey.alg == alg, SigningKey.retired_at.is_(None)):
        if old is not new:
            old.retired_at = new.active_from + timedelta(seconds=keep_seconds)
    db.session.commit()
    return new


class KeyRing:
    """The keys this process signs with and publishes.

    A private key is parsed once per process (parsing an RSA key holds the GIL for
    tens of milliseconds); the refresh every REFRESH seconds reads only which keys
    exist and when they are due."""

    def __init__(self, key_files: tuple[str, ...] = ()) -> None:
        self._key_files = key_files
        self._lock = threading.Lock()
        self._loaded_at = -1e18
        self._parsed: dict[str, object] = {}
        self._rows: list[tuple] = []
        self._jwks_body = b"{}"
        self._keyset = KeySet([])

    def _file_rows(self) -> list[tuple]:
        rows = []
        for path in self._key_files:
            cache_key = f"file:{path}:{Path(path).stat().st_mtime_ns}"
            if cache_key not in self._parsed:
                pem = Path(path).read_bytes()
                alg = "ES256" if b"EC PRIVATE" in pem or _is_ec(pem) else "RS256"
                self._parsed[cache_key] = (_import(pem, alg), alg)
            key, alg = self._parsed[cache_key]
            rows.append((key, alg, None, None))
        return rows

    def _database_rows(self) -> list[tuple]:
        if SigningKey.query.first() is None:
            ensure_keys()
        listed = db.session.execute(
            db.select(SigningKey.kid, SigningKey.alg, SigningKey.active_from, SigningKey.retired_at).order_by(
                SigningKey.active_from
            )
        ).all()
        unseen = [kid for kid, *_ in listed if kid not in self._parsed]
        if unseen:
            for row in SigningKey.query.filter(SigningKey.kid.in_(unseen)):
                self._parsed[row.kid] = _import(row.private_pem, row.alg, row.kid)
        return [
            (self._parsed[kid], alg, active_from, retired_at) for kid, alg, active_from, retired_at in listed
        ]

    def _load(self) -> None:
        if self._key_files:
            rows = self._file_rows()
        else:
            with orm_session():
                rows = self._database_rows()
        now = utcnow()
        published = [r for r in rows if r[3] is None or r[3] > now]
        if [r[0].kid for r in published] != [r[0].kid for r in self._rows]:
            self._keyset = KeySet([r[0] for r in published])
            self._jwks_body = json.dumps(self._keyset.as_dict(private=False), separators=(",", ":")).encode()
        self._rows = published
        self._loaded_at = clock.time()

    def _fresh(self) -> None:
        if clock.time() - self._loaded_at > REFRESH or not self._rows:
            # the lock is taken where the read is made: on the event loop a greenlet waiting
            # for the read would otherwise hold it against the loop's own thread
            blocking(self._load_if_due)

    def _load_if_due(self) -> None:
        with self._lock:
            if clock.time() - self._loaded_at > REFRESH or not self._rows:
                self._load()

    def reload(self) -> None:
        with self._lock:
            self._load()

    def signing_key(self, alg: str = "RS256"):
        """The newest key of this algorithm that is already due for use."""
        self._fresh()
        now = utcnow()
        due = [r for r in self._rows if r[1] == alg and (r[2] is None or r[2] <= now)]
        if not due:
            raise LookupError(f"no active {alg} signing key")
        return due[-1][0]

    def public_keyset(self) -> KeySet:
        self._fresh()
        return self._keyset

    def jwks_body(self) -> bytes:
        self._fresh()
        return self._jwks_body

    def jwks_body_if_fresh(self) -> bytes | None:
        """The published keys, or None when a re-read is due (it needs an app context)."""
        if clock.time() - self._loaded_at > REFRESH or not self._rows:
            return None
        return self._jwks_body


def sign(keyring: KeyRing, claims: dict, typ: str, alg: str = "RS256") -> str:
    """A JWT signed with the active key of `alg`, naming its kid (rotation); None values left out.

    The compact JWS (RFC 7515, section 7.1) is made here rather than by joserfc's jwt.encode,
    whose header and claim checks cost a token response ~10 µs on top of the signature
    (docs/BENCHMARKS.md, tenth session); what it signs is verified by joserfc in the tests."""
    key = keyring.signing_key(alg)
    header = {"alg": alg, "kid": key.kid, "typ": typ}
    payload = {k: v for k, v in claims.items() if v is not None}
    signing_input = _b64_json(header) + b"." + _b64_json(payload)
    return (signing_input + b"." + _b64(_signature(key, alg, signing_input))).decode("ascii")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64_json(value: dict) -> bytes:
    return _b64(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _signature(key, alg: str, signing_input: bytes) -> bytes:
    if alg == "RS256":
        return key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if alg == "ES256":  # JWS wants r and s as two 32-byte numbers, not DER (RFC 7518, 3.4)
        r, s = decode_dss_signature(key.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    raise ValueError(f"unsupported algorithm {alg}")


def _is_ec(pem: bytes) -> bool:
    try:
        ECKey.import_key(pem)
        return True
    except Exception:
        return False
