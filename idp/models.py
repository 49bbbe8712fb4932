"""Durable facts of the provider core: accounts, relying parties, refresh tokens, keys, audit."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from authlib.oauth2.rfc6749 import ClientMixin
from sqlalchemy import JSON, Index

from idp.clock import utcnow
from idp.db import UTCDateTime, db


def new_sub() -> str:
    return str(uuid.uuid4())


class Account(db.Model):
    """A person's cabinet. Lifecycle facts are timestamps; the state is derived (idp.accounts.lifecycle)."""

    __tablename__ = "account"

    id = db.Column(db.Integer, primary_key=True)
    sub = db.Column(db.String(36), unique=True, nullable=False, default=new_sub)
    family_name = db.Column(db.String(100), nullable=False)
    given_name = db.Column(db.String(100), nullable=False)
    middle_name = db.Column(db.String(100), nullable=True)
    email = db.Column(db.String(320), unique=True, nullable=False)
    phone = db.Column(db.String(20), unique=True, nullable=False)
    locale = db.Column(db.String(10), nullable=False, default="ru-RU")
    password_hash = db.Column(db.String(255), nullable=True)
    registered_by = db.Column(db.String(20), nullable=False, default="self")  # self | office
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    phone_verified_at = db.Column(UTCDateTime, nullable=True)
    email_verified_at = db.Column(UTCDateTime, nullable=True)
    password_changed_at = db.Column(UTCDateTime, nullable=True)
    activation_deadline = db.Column(UTCDateTime, nullable=True)
    closed_at = db.Column(UTCDateTime, nullable=True)
    second_factor = db.Column(db.String(10), nullable=True)  # the step-up the person chose: sms | otp

    @property
    def name(self) -> str:
        parts = [self.given_name, self.middle_name, self.family_name]
        return " ".join(p for p in parts if p)


def hash_client_secret(secret: str) -> str:
    # Client secrets are 256-bit random strings we generate: a plain SHA-256 is
    # enough to keep them unreadable at rest, and keeps the token endpoint fast.
    return hashlib.sha256(secret.encode()).hexdigest()


class Client(db.Model, ClientMixin):
    """A relying party. The secret is stored hashed, never in the clear."""

    __tablename__ = "client"

    id = db.Column(db.Integer, primary_key=True)
    client_id = db.Column(db.String(100), unique=True, nullable=False)
    client_secret_hash = db.Column(db.String(255), nullable=True)
    name = db.Column(db.String(200), nullable=False, default="")
    redirect_uris = db.Column(JSON, nullable=False, default=list)
    post_logout_redirect_uris = db.Column(JSON, nullable=False, default=list)
    backchannel_logout_uri = db.Column(db.String(500), nullable=True)
    scope = db.Column(db.String(500), nullable=False, default="openid profile email phone")
    grant_types = db.Column(JSON, nullable=False, default=list)
    token_endpoint_auth_method = db.Column(db.String(40), nullable=False, default="client_secret_basic")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def client_metadata(self) -> dict:
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        if not self.client_secret_hash or not client_secret:
            return False
        return hmac.compare_digest(self.client_secret_hash, hash_client_secret(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


class RefreshToken(db.Model):
    """A family's refresh token: a family starts at one authorization code and keeps one row,
    rotated in place. The row holds the hash of the family's current token only; an earlier
    one, presented again, is recognised by its generation and its MAC (idp/oidc/tokens.py)."""

    __tablename__ = "refresh_token"

    id = db.Column(db.Integer, primary_key=True)
    family_id = db.Column(db.String(36), nullable=False, index=True, unique=True)
    token_hash = db.Column(db.String(64), nullable=False)  # not indexed: found by its family
    generation = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    client_id = db.Column(db.String(100), nullable=False)
    account_id = db.Column(
        db.Integer, db.ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scope = db.Column(db.String(500), nullable=False)
    grant = db.Column(JSON, nullable=False, default=dict)  # auth_time, acr, amr, sid, claims
    issued_at = db.Column(UTCDateTime, nullable=False, default=utcnow)  # of the current token
    expires_at = db.Column(UTCDateTime, nullable=False)
    revoked_at = db.Column(UTCDateTime, nullable=True)
    # Read and written by single statements on the token endpoint: idp/oidc/tokens.py


class SigningKey(db.Model):
    """A signing key shared by every process; published from created_at, used from active_from."""

    __tablename__ = "signing_key"

    id = db.Column(db.Integer, primary_key=True)
    kid = db.Column(db.String(64), unique=True, nullable=False)
    alg = db.Column(db.String(10), nullable=False)
    private_pem = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    active_from = db.Column(UTCDateTime, nullable=False, default=utcnow)
    retired_at = db.Column(UTCDateTime, nullable=True)


class AuditEvent(db.Model):
    """What happened, without personal data: subjects are referred to by their opaque sub."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_kind_at", "kind", "at"),)

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    kind = db.Column(db.String(60), nullable=False)
    subject = db.Column(db.String(36), nullable=True, index=True)
    details = db.Column(JSON, nullable=False, default=dict)


def audit(kind: str, subject: str | None = None, **details) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    event = AuditEvent(kind=kind, subject=subject, details=details)
    db.session.add(event)
    return event
