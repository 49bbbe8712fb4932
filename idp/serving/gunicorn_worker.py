"""gunicorn's ASGI worker serving the WSGI app named on the command line.

`gunicorn -c gunicorn.conf.py wsgi:app` stays the one command for every worker
class: with IDP_WORKER_CLASS=asgi (the default) this worker wraps the loaded
Flask app in idp.serving.asgi_bridge.FlaskOnAsgi.
"""

from __future__ import annotations

from gunicorn.workers.gasgi import ASGIWorker

from idp.serving import direct_protocol  # gunicorn's own modules only, as this one


class FlaskAsgiWorker(ASGIWorker):
    def load_wsgi(self):
        # Imported here, in the worker: the master loads this class too, and the bridge would
        # bring Flask, Authlib and SQLAlchemy into a process that serves no request (~50 MB).
        from idp.serving.asgi_bridge import FlaskOnAsgi

        super().load_wsgi()
        self.asgi = FlaskOnAsgi(self.asgi)
        direct_protocol.install()
