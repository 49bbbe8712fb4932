"""A person's browser without a browser: a requests session that fills our forms."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from tests.support.pages import CSRF

IA = re.compile(r'name="ia" value="([^"]+)"')


class Person:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.http = requests.Session()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.http.get(urljoin(self.base, url), allow_redirects=False, timeout=10, **kwargs)

    def submit(self, page: requests.Response, action: str, fields: dict) -> requests.Response:
        """POST a form of `page` with its CSRF token, like pressing its button."""
        token = CSRF.search(page.text)
        data = dict(fields)
        if token:
            data["csrf_token"] = token.group(1)
        ia = IA.search(page.text)
        if ia and "ia" not in data:
            data["ia"] = ia.group(1)
        return self.http.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10)

    def follow(self, response: requests.Response, stop_at: str) -> requests.Response:
        """Follow our own redirects until one leaves for `stop_at` (the relying party)."""
        hops = 0
        while response.is_redirect and hops < 10:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(stop_at):
                return response
            response = self.http.get(location, allow_redirects=False, timeout=10)
            hops += 1
        return response

    def sign_in(self, authorize_url: str, login: str, password: str, stop_at: str) -> requests.Response:
        """From an authorization request through the sign-in form to the redirect back."""
        response = self.follow(self.get(authorize_url), stop_at)
        if not response.is_redirect:
            assert "Войти" in response.text, response.text[:500]
            response = self.submit(response, "/login", {"login": login, "password": password})
            response = self.follow(response, stop_at)
        return response


def redirect_params(response: requests.Response) -> dict[str, str]:
    query = parse_qs(urlparse(response.headers["Location"]).query)
    return {k: v[0] for k, v in query.items()}
