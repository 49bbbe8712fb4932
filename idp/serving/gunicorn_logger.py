"""gunicorn's access log, for whoever turns it on: no probes, no secrets.

The app already writes one structured access record per request, so
gunicorn.conf.py leaves this log off. When an operator enables it anyway
(`--access-logfile -`), every atom a format could name is stripped of what must
never be logged: query strings (authorization requests), tokens in paths
(activation links, paused requests), the Referer (a relying party's URL with
its query), credentials and cookies in headers, and the raw WSGI environ.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

PROBES = frozenset({"/healthz", "/readyz"})
# Path segments after these prefixes are secrets or handles to one.
_SECRET_PATHS = re.compile(r"^(/activate|/authorize/resume)/[^/]+")
_SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "proxy-authorization")


def public_path(path: str | None) -> str:
    if not path:
        return "-"
    return _SECRET_PATHS.sub(lambda m: m.group(1) + "/…", path)


class ProbeQuietLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") in PROBES:
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = public_path(environ.get("PATH_INFO"))
        atoms["U"] = path
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["q"] = "-"
        atoms["f"] = "-"
        for key in [k for k in atoms if k.endswith("}e")]:
            del atoms[key]
        for header in _SECRET_HEADERS:
            atoms.pop(f"{{{header}}}i", None)
            atoms.pop(f"{{{header}}}o", None)
        return atoms
