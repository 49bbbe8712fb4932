"""Our pages as a test client reads them: CSRF tokens, form posts, the visible text."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlparse

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no csrf_token on the page"
    return found.group(1)


def csrf_token(client, url: str, headers: dict | None = None) -> str:
    """Fetch a page with a form and read its CSRF token, as a browser would."""
    return csrf_of(client.get(url, headers=headers).get_data(as_text=True))


def post_form(client, page_url: str, action: str, data: dict, headers: dict | None = None, **kwargs):
    """Submit a form the way a browser does: load the page, send its csrf_token back."""
    token = csrf_token(client, page_url, headers)
    return client.post(action, data={"csrf_token": token, **data}, headers=headers, **kwargs)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")
