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


def is_trusted(peer: str, allowed: tuple) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in allowed)


def forwarded(peer: str, scheme: str, host: str, headers, allowed: tuple) -> tuple[str, str, str]:
    """(client address, scheme, host) of a request that did not pass through `trusted_proxy_fix`
    (the protocol lane under the ASGI worker): the same one hop of X-Forwarded-*, from a
    trusted peer only."""
    if not allowed or not is_trusted(peer, allowed):
        return peer, scheme, host

    def last(name: str, default: str) -> str:
        value = headers.get(name)
        return value.rsplit(",", 1)[-1].strip() if value else default

    return last("x-forwarded-for", peer), last("x-forwarded-proto", scheme), last("x-forwarded-host", host)


def trusted_proxy_fix(wsgi_app, trusted: tuple[str, ...]):
    """Wrap wsgi_app so that X-Forwarded-* count only when the peer is trusted."""
    if not trusted:
        return wsgi_app
    allowed = networks(trusted)
    fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)

    def app(environ, start_response):
        if is_trusted(environ.get("REMOTE_ADDR", ""), allowed):
            return fixed(environ, start_response)
        return wsgi_app(environ, start_response)

    return app
