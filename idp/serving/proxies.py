"""Forwarded headers, believed only from the proxies named in IDP_TRUSTED_PROXIES.

werkzeug's ProxyFix trusts a number of hops from anyone; here it is applied only
to requests whose peer address is a trusted proxy, so a client talking to a pod
directly cannot forge its address (rate limits and /metrics depend on it) or
the scheme.
"""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxy_fix(wsgi_app, trusted: tuple[str, ...]):
    """Wrap wsgi_app so that X-Forwarded-* count only when the peer is trusted."""
    if not trusted:
        return wsgi_app
    allowed = networks(trusted)
    fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)

    def app(environ, start_response):
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            peer = None
        if peer is not None and any(peer in network for network in allowed):
            return fixed(environ, start_response)
        return wsgi_app(environ, start_response)

    return app
