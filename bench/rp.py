"""A relying party for preparation: sign in, collect codes through the real
authorization endpoint, exchange them for tokens. Runs on the load generator's core."""

from __future__ import annotations

import base64
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests

SCOPE = "openid profile email phone"
VERIFIER = secrets.token_urlsafe(48)
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class PreparationFailed(RuntimeError):
    pass


@dataclass
class RelyingParty:
    client_id: str
    client_secret: str
    redirect_uri: str
    discovery: dict

    @property
    def basic(self) -> str:
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def authorize_url(self) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": SCOPE,
            "state": secrets.token_urlsafe(8),
            "code_challenge": CHALLENGE,
            "code_challenge_method": "S256",
        }
        return self.discovery["authorization_endpoint"] + "?" + urlencode(params)

    def code(self, session: requests.Session) -> str:
        """Follow the authorization request until the relying party's redirect_uri."""
        url = self.authorize_url()
        for _ in range(8):
            response = session.get(url, allow_redirects=False, timeout=30)
            location = response.headers.get("Location")
            if not location:
                raise PreparationFailed(f"authorize: {response.status_code} {response.text[:300]}")
            url = urljoin(url, location)
            if url.startswith(self.redirect_uri):
                query = parse_qs(urlparse(url).query)
                if "code" not in query:
                    raise PreparationFailed(f"authorize answered {url}")
                return query["code"][0]
        raise PreparationFailed("authorize: too many redirects")

    def codes(self, signed_in: requests.Session, count: int, workers: int = 8) -> list[str]:
        def batch(n: int) -> list[str]:
            session = requests.Session()
            session.cookies.update(signed_in.cookies)
            return [self.code(session) for _ in range(n)]

        sizes = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
        with ThreadPoolExecutor(workers) as pool:
            return [code for part in pool.map(batch, [s for s in sizes if s]) for code in part]

    def exchange(self, code: str) -> dict:
        response = requests.post(
            self.discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": VERIFIER,
            },
            headers={"Authorization": self.basic},
            timeout=30,
        )
        if response.status_code != 200 or "refresh_token" not in response.json():
            raise PreparationFailed(f"token: {response.status_code} {response.text[:300]}")
        return response.json()

    def token_sets(self, codes: list[str], workers: int = 8) -> list[dict]:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(self.exchange, codes))

    def code_body(self) -> str:
        return urlencode(
            {
                "grant_type": "authorization_code",
                "code": "CODE",
                "redirect_uri": self.redirect_uri,
                "code_verifier": VERIFIER,
            }
        ).replace("CODE", "{item}")
