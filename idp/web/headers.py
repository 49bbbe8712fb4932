"""Security headers: every page gets the full set, every other answer the two that cost nothing.

What can be framed, scripted or leak a referrer is HTML, so the page set goes on
text/html answers (pages, error pages, redirects' bodies). The JSON that relying
parties read on every page view (token, userinfo, introspection, revocation) gets
only nosniff and HSTS: two prepared headers, no per-request work.
"""

from __future__ import annotations

from flask import Flask, Response

# No inline scripts or styles anywhere (templates use static/lk.css only). form-action is
# left out on purpose: Chromium applies it to the redirects that follow a submission, and
# sign-in ends in a redirect to the relying party's own origin. Images come from
# this origin only: QR codes are inline SVG.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def page_headers(development: bool) -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Frame-Options", "DENY"),  # browsers that predate frame-ancestors
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]
    return headers if development else [*headers, ("Strict-Transport-Security", HSTS)]


def lean_headers(development: bool) -> list[tuple[str, str]]:
    headers = [("X-Content-Type-Options", "nosniff")]
    return headers if development else [*headers, ("Strict-Transport-Security", HSTS)]


def init_app(app: Flask, development: bool) -> None:
    on_pages = page_headers(development)
    elsewhere = lean_headers(development)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.extend(on_pages if response.mimetype == "text/html" else elsewhere)
        return response
