"""One request through an ASGI application in this process (the bridge of gunicorn's ASGI worker)."""

from __future__ import annotations

import asyncio

from idp.serving.asgi_bridge import FlaskOnAsgi
from tests.support import loop as on_loop


def scope(method: str, path: str, headers=(), query: bytes = b"") -> dict:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "root_path": "",
        "query_string": query,
        "headers": [(name.encode(), value.encode("latin-1")) for name, value in headers],
        "client": ("203.0.113.7", 50123),
        "server": ("127.0.0.1", 8000),
    }


async def exchange_on_loop(bridge: FlaskOnAsgi, scope: dict, incoming: list[dict]) -> list[dict]:
    """Run one request through the bridge on the running loop; the messages it sent."""
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    await bridge(scope, receive, send)
    return sent


def exchange(bridge: FlaskOnAsgi, scope: dict, incoming: list[dict]) -> list[dict]:
    """Run one request through the bridge on a loop of its own; the messages it sent."""
    return on_loop.run(exchange_on_loop(bridge, scope, incoming), asyncio.run)


async def call_on_loop(bridge: FlaskOnAsgi, scope: dict, chunks=(b"",)) -> tuple[int, dict, bytes]:
    """Status, headers and body of one request whose body arrives in `chunks`, on the running loop."""
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    start, body = await exchange_on_loop(bridge, scope, incoming)
    headers = {name.decode(): value.decode("latin-1") for name, value in start["headers"]}
    return start["status"], headers, body["body"]


def call(bridge: FlaskOnAsgi, scope: dict, chunks=(b"",)) -> tuple[int, dict, bytes]:
    """Status, headers and body of one request whose body arrives in `chunks`."""
    return on_loop.run(call_on_loop(bridge, scope, chunks), asyncio.run)
