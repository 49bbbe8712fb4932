"""Authlib's authorization server, with the hooks filled and the gaps closed.

Authlib owns parsing, PKCE, client authentication and error responses. Here we
add what it leaves out (see shared/AUTHLIB-NOTES.md): atomic single-use codes,
revocation of a reused code's tokens, refresh rotation with reuse detection,
S256-only PKCE, auth_time/acr/amr/sid kept from the real sign-in.
"""

from __future__ import annotations

import json

from authlib.common.encoding import to_native
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    InvalidGrantError,
    ResourceProtector,
    UnsupportedResponseTypeError,
    grants,
)
from authlib.oauth2.rfc6749.requests import OAuth2Request
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from authlib.oidc.rpinitiated import EndSessionEndpoint

from idp.accounts import account_view
from idp.accounts.account_view import AccountView
from idp.accounts.lifecycle import is_active
from idp.clock import clock, utcnow
from idp.oidc import tokens
from idp.oidc.claims import released_claims, user_claims
from idp.oidc.clients import AUTH_METHODS, CONFIDENTIAL_AUTH_METHODS
from idp.oidc.keys import sign
from idp.ops import metrics
from idp.services import Services, store
from idp.sessions import records, sso_session
from idp.store import ratelimit
from idp.store.base import UNREAD, StoreRead

CLIENT_AUTH_LIMIT = "client-auth"  # failed client authentications, counted per address


class AuthorizationCode:
    """A code's data as stored; authlib reads it through these getters."""

    def __init__(self, data: dict, stored_account=UNREAD, stored_session=UNREAD) -> None:
        self.data = data
        # the account's store entry and the session's record, read in the redemption's step
        self.stored_account = stored_account
        self.stored_session = stored_session
        self.code_challenge = data.get("code_challenge")
        self.code_challenge_method = data.get("code_challenge_method")

    def get_redirect_uri(self):
        return self.data["redirect_uri"]

    def get_scope(self):
        return self.data["scope"]

    def get_nonce(self):
        return self.data.get("nonce")

    def get_auth_time(self):
        return self.data["grant"]["auth_time"]

    def get_acr(self):
        return self.data["grant"].get("acr")

    def get_amr(self):
        return self.data["grant"].get("amr")


def _active_account(account_id: int, stored=UNREAD) -> AccountView:
    """The grant's account; a closed or deleted one makes the grant itself invalid
    (RFC 6749 5.2), which Authlib would otherwise report as invalid_request."""
    account = account_view.load(account_id, stored)
    if not is_active(account, utcnow()):
        raise InvalidGrantError("The account of this grant is not active.")
    return account


class FamilyTokens:
    """Tokens of the grant's family: what the sign-in proved travels on the request Authlib
    hands every hook (`request.grant_facts`, set by `authenticate_user`)."""

    def generate_token(
        self, user=None, scope=None, grant_type=None, expires_in=None, include_refresh_token=True
    ):
        token = {
            "token_type": "Bearer",
            "access_token": tokens.new_access_token(self.request.grant_facts["family"]),
            "expires_in": self.server.services.settings.access_token_ttl,
            "scope": scope,
        }
        if include_refresh_token:
            # a rotation wrote its successor already (RefreshGrant.authenticate_refresh_token)
            token["refresh_token"] = getattr(self.request, "successor", None) or tokens.refresh_token_for(
                self.request.grant_facts["family"], 0
            )
        return token


class CodeGrant(FamilyTokens, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code, request):
        settings, chosen = self.server.services.settings, store()
        family = tokens.new_family()
        data = {
            "client_id": request.client.client_id,
            "redirect_uri": request.payload.redirect_uri or request.client.get_default_redirect_uri(),
            "scope": request.scope,
            "account_id": request.user.id,
            "nonce": request.payload.data.get("nonce"),
            "code_challenge": request.payload.data.get("code_challenge"),
            "code_challenge_method": request.payload.data.get("code_challenge_method"),
            "family": family,
            "exp": int(clock.time()) + settings.code_ttl,
            "grant": tokens.bind_to_session(chosen, request.sign_in, family, request.scope),
        }
        chosen.set_json(f"code:{tokens.digest(code)}", data, settings.code_ttl)

    def query_authorization_code(self, code, client):
        # GETDEL is the redemption: two concurrent exchanges cannot both see the code. The
        # address's failed client authentications are read in the same step and judged after
        # it: past their limit the code is spent and the exchange refused, as the code could
        # not have been exchanged from there before it expired anyway.
        key = tokens.digest(code)
        chosen = store()  # the request's: on the event loop, the one that waits there
        marker = (f"usedcode:{key}", max(600, self.server.services.settings.code_ttl * 10))
        failures = self.server.client_auth_failures()
        (counter_key,) = failures.read_ahead(self.request.remote_addr).args
        follows = (("account_id", account_view.STORE_PREFIX), ("grant.sid", records.KEY_PREFIX))
        counter, raw, (stored_account, stored_session) = chosen.getdel_following(
            counter_key, f"code:{key}", marker, follows
        )
        try:
            failures.raise_if_waiting(failures.counted(counter))
        except ratelimit.RateLimited as limited:
            raise self.server.refusal_after_failures(self.request, limited) from None
        data = json.loads(raw) if raw is not None else None
        if data is None:
            used = chosen.get_json(marker[0])
            if used is not None:
                tokens.revoke_family(used["family"])
            return None
        if data["client_id"] != client.client_id or data["exp"] <= clock.time():
            return None
        return AuthorizationCode(data, stored_account, stored_session)

    def delete_authorization_code(self, authorization_code):
        pass  # already gone: redemption removed it

    def authenticate_user(self, authorization_code):
        data = authorization_code.data
        if tokens.session_ended(store(), data["grant"], authorization_code.stored_session):
            raise InvalidGrantError("The session of this grant has ended.")
        self.request.grant_facts = {"family": data["family"], "nonce": data.get("nonce"), **data["grant"]}
        return _active_account(data["account_id"], authorization_code.stored_account)


class RefreshGrant(FamilyTokens, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        requested = self.request.payload.scope or None
        if requested:
            row = tokens.find_refresh_token(refresh_token)
            if row is None or not set(requested.split()) <= set(row.scope.split()):
                return None
        rotated = tokens.rotate_refresh_token(refresh_token, self.request.client.client_id, requested)
        if rotated is not None:
            claimed, self.request.successor = rotated
            chosen = store()
            # the session's record and the account's entry, in one round trip
            stored_session, self.request.stored_account = chosen.mget(
                [
                    records.record_key(claimed.grant.get("sid") or ""),
                    account_view.entry_key(claimed.account_id),
                ]
            )
            if tokens.session_ended(chosen, claimed.grant, stored_session):
                tokens.revoke_family(claimed.family_id)  # logged out elsewhere, or the session expired
                return None
            return claimed
        row = tokens.find_refresh_token(refresh_token)
        if row is not None and row.check_client(self.request.client) and row.is_revoked():
            # A rotated token came back: someone else holds a copy. Revoke the family.
            tokens.revoke_family(row.family_id)
        return None

    def authenticate_user(self, refresh_token):
        self.request.grant_facts = {"family": refresh_token.family_id, **refresh_token.grant}
        return _active_account(refresh_token.account_id, self.request.stored_account)

    def revoke_old_credential(self, refresh_token):
        pass  # replaced by its successor in the rotation (authenticate_refresh_token)


class ClientCredentials(grants.ClientCredentialsGrant):
    """A confidential client's token for itself (the office CRM): no account, no refresh token,
    stored like every access token so that resource servers look it up the same way."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def generate_token(self, scope=None, include_refresh_token=False, **_):
        scope = self.client.get_allowed_scope(scope)
        access_token = tokens.new_access_token(tokens.new_family())
        return {
            "token_type": "Bearer",
            "access_token": access_token,
            "expires_in": self.server.services.settings.access_token_ttl,
            "scope": scope,
        }

    def save_token(self, token):
        record = {"client_id": self.client.client_id, "account_id": None, "scope": token["scope"]}
        tokens.save_access_token(token["access_token"], record)
        metrics.count("tokens_issued", grant=self.GRANT_TYPE)


class S256Challenge(CodeChallenge):
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


class IdToken(OpenIDCode):
    """ID tokens for the code and refresh grants, with the sign-in's own auth_time."""

    def exists_nonce(self, nonce, request):
        return False  # a nonce is bound to its code; replay is stopped by single-use codes

    def process_token(self, grant, response):
        _, token, _ = response
        if "openid" not in (token.get("scope") or "").split():
            return token
        token["id_token"] = encode_id_token(grant.server.services, grant.request, token)
        return token


def encode_id_token(services: Services, request: OAuth2Request, token: dict) -> str:
    info, client = request.grant_facts, request.client
    now = int(clock.time())
    claims = {
        "iss": services.settings.issuer,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": now,
        "exp": now + services.settings.id_token_ttl,
        "auth_time": info["auth_time"],
        "acr": info.get("acr"),
        "amr": info.get("amr"),
        "sid": info.get("sid"),
    }
    if info.get("nonce"):
        claims["nonce"] = info["nonce"]
    requested = (info.get("claims") or {}).get("id_token")
    claims.update(user_claims(request.user, released_claims(token["scope"], requested)))
    claims["at_hash"] = to_native(create_half_hash(token["access_token"], "RS256"))
    return sign(services.keyring, claims, typ="JWT")


class BearerValidator(BearerTokenValidator):
    """Guards userinfo, which needs the account too: read with the token, one round trip."""

    def authenticate_token(self, token_string):
        return tokens.find_access_token(token_string, with_account=True)


class UserInfo(UserInfoEndpoint):
    """Plain JSON userinfo; no client lookup on this hot path (signed userinfo is not offered)."""

    @staticmethod
    def _take_form_token(request) -> None:
        form_token = request.form.get("access_token") if request.method == "POST" else None
        if form_token and not request.headers.get("Authorization"):
            # RFC 6750 §2.2: the token may come as a form parameter; Authlib reads only the header.
            request.headers = {"Authorization": f"Bearer {form_token}"}

    def reads_ahead(self, request) -> list[StoreRead]:
        """The one read a userinfo request makes (the token, its family's mark, the account)."""
        self._take_form_token(request)
        parts = (request.headers.get("Authorization") or "").split(None, 1)  # as Authlib splits it
        bearer = len(parts) == 2 and parts[0].lower() == "bearer"
        read = tokens.access_token_read(parts[1], with_account=True) if bearer else None
        return [read] if read is not None else []

    def __call__(self, request):
        self._take_form_token(request)
        token = self.resource_protector.validate_request(["openid"], request)
        account = token.get_user()
        if account is None or not is_active(account, utcnow()):
            raise InvalidTokenError()
        claims = user_claims(account, released_claims(token.scope, token.data.get("claims")))
        return 200, claims, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        if token_type_hint != "refresh_token":
            found = tokens.find_access_token(token_string)
            if found is not None:
                return found
        return tokens.find_refresh_token(token_string)

    def revoke_token(self, token, request):
        if isinstance(token, tokens.AccessTokenRecord):
            tokens.revoke_access_token(token.token)
        else:
            tokens.revoke_family(token.family_id)


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS

    def reads_ahead(self, request) -> list[StoreRead] | None:
        """An access token's introspection reads the store only, in one round trip: the failed
        client authentications and the token. A refresh token is read from SQL (None here)."""
        read = tokens.access_token_read(request.form.get("token"))
        if read is None or request.form.get("token_type_hint") == "refresh_token":
            return None
        return [self.server.client_auth_read(request), read]

    def query_token(self, token_string, token_type_hint):
        if token_type_hint != "refresh_token":
            found = tokens.find_access_token(token_string)
            if found is not None:
                return found
        row = tokens.find_refresh_token(token_string)
        if row is None or row.is_revoked() or row.is_expired():
            return None
        return row

    def check_permission(self, token, client, request):
        return not client.is_public

    def introspect_token(self, token):
        if isinstance(token, tokens.AccessTokenRecord):
            return {
                "active": True,
                "client_id": token.client_id,
                "token_type": "Bearer",
                "scope": token.scope,
                "sub": token.sub,
                "exp": token.exp,
                "iat": token.iat,
                "iss": self.server.services.settings.issuer,
            }
        account = account_view.load(token.account_id)
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": "refresh_token",
            "scope": token.scope,
            "sub": account.sub if account else None,
            "exp": int(token.expires_at.timestamp()),
            "iat": int(token.issued_at.timestamp()),
            "iss": self.server.services.settings.issuer,
        }


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self):
        return self.server.services.keyring.public_keyset()

    def get_algorithms(self):
        return ["RS256", "ES256"]

    def end_session(self, end_session_request):
        sso_session.end()


class Issuer(IssuerParameter):
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def get_issuer(self):
        return self.issuer


class ProtocolResponse:
    """What the server answers, before any web framework renders it (idp/serving/protocol_render.py
    for the protocol lane, idp/oidc/views.py for the pages)."""

    __slots__ = ("status", "body", "headers")

    def __init__(self, status: int, body, headers: list[tuple[str, str]]) -> None:
        self.status, self.body, self.headers = status, body, list(headers)

    @property
    def location(self) -> str | None:
        return next((value for name, value in self.headers if name.lower() == "location"), None)

    @location.setter
    def location(self, value: str) -> None:  # RFC 9207's iss parameter (Authlib's IssuerParameter)
        self.headers = [(n, v) for n, v in self.headers if n.lower() != "location"] + [("Location", value)]


class _ClientThrottled(InvalidClientError):
    """invalid_client while an address waits out its failed client authentications, with
    when it may try again (RFC 9110 Retry-After), as every other limit of this provider says."""

    def __init__(self, retry_after: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.retry_after = retry_after

    def get_headers(self):
        return [*super().get_headers(), ("Retry-After", str(self.retry_after))]


class Server(AuthorizationServer):
    """Authlib's framework-agnostic server: it is handed Authlib requests (built by the protocol
    lane from the ASGI scope or WSGI environ, or by the pages from Flask's request, each with the
    caller's `remote_addr`) and answers `ProtocolResponse`s."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def authenticate_client(self, request, methods, endpoint="token"):
        """Client authentication, with failed attempts limited per address: a client
        secret is a secret, and guessing it is throttled like a password. Only failures
        count, so a busy relying party is never throttled for succeeding."""
        address = request.remote_addr
        failures = self.client_auth_failures()
        # A code exchange reads the failures with the code's redemption (CodeGrant), one round
        # trip for both; a failed authentication reads them here, as every other request does.
        with_redemption = endpoint == "token" and request.payload.grant_type == "authorization_code"
        try:
            if not with_redemption:
                failures.check(address)
            try:
                try:
                    return super().authenticate_client(request, methods, endpoint)
                except ValueError:
                    # Authlib's Basic parsing raises this for "Basic " with nothing after it
                    # and for credentials that are not UTF-8: a client that did not authenticate.
                    raise InvalidClientError(
                        description="Malformed client credentials.", status_code=401
                    ) from None
            except InvalidClientError:
                if with_redemption:
                    failures.check(address)  # not read yet
                failures.fail(address)
                raise
        except ratelimit.RateLimited as limited:
            raise self.refusal_after_failures(request, limited) from None

    @staticmethod
    def refusal_after_failures(request, limited: ratelimit.RateLimited) -> InvalidClientError:
        return _ClientThrottled(
            limited.retry_after,
            description="Too many failed client authentications; try again later.",
            status_code=401 if "Authorization" in request.headers else 400,
        )

    def get_authorization_grant(self, request):
        try:
            return super().get_authorization_grant(request)
        except ValueError:
            # Authlib builds unsupported_response_type's description from the requested
            # value and refuses, with ValueError, when that is not printable ASCII.
            raise UnsupportedResponseTypeError(
                "The response type is not supported by the server.", ""
            ) from None

    def client_auth_failures(self) -> ratelimit.FailureLimit:
        settings = self.services.settings
        return ratelimit.FailureLimit(
            CLIENT_AUTH_LIMIT, settings.client_auth_failures_per_window, settings.login_attempt_window
        )

    def client_auth_read(self, request) -> StoreRead:
        """The read of this address's failed client authentications, which every client
        authentication makes first."""
        return self.client_auth_failures().read_ahead(request.remote_addr)

    def reads_ahead(self, name: str, request) -> list[StoreRead] | None:
        """What endpoint `name` will read from the store for this request, so that it can be
        read ahead on the event loop; None: the endpoint needs more than that, on a thread."""
        reads = getattr(self._endpoints[name][0], "reads_ahead", None)
        return None if reads is None else reads(request)

    def create_oauth2_request(self, request):
        if not isinstance(request, OAuth2Request):
            raise TypeError("the server is handed Authlib requests, built by its caller")
        return request

    def create_json_request(self, request):
        return self.create_oauth2_request(request)

    def handle_response(self, status, body, headers):
        return ProtocolResponse(status, body, headers)

    def send_signal(self, name, *args, **kwargs):
        pass  # nothing here listens to Authlib's signals

    def query_client(self, client_id):
        return self.services.clients.get(client_id)

    def save_token(self, token, request):
        info = dict(request.grant_facts)
        family = info.pop("family")
        info.pop("nonce", None)
        client = request.client
        tokens.save_access_token(
            token["access_token"],
            {
                "client_id": client.client_id,
                "account_id": request.user.id,
                "sub": request.user.sub,
                "scope": token["scope"],
                "claims": (info.get("claims") or {}).get("userinfo"),
            },
        )
        if token.get("refresh_token") and not getattr(request, "successor", None):
            tokens.save_refresh_token(
                token["refresh_token"], family, client.client_id, request.user.id, token["scope"], info
            )
        metrics.count("tokens_issued", grant=request.payload.grant_type)


def build_server(services: Services) -> Server:
    server = Server(services)
    id_token = IdToken(require_nonce=False)
    server.register_grant(CodeGrant, [S256Challenge(required=True), id_token])
    server.register_grant(RefreshGrant, [id_token])
    server.register_grant(ClientCredentials)
    protector = ResourceProtector()
    protector.register_token_validator(BearerValidator())
    server.register_endpoint(UserInfo(resource_protector=protector))
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)
    server.register_extension(Issuer(services.settings.issuer))
    return server
