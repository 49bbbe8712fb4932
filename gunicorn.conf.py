"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything comes from the same IDP_* settings the app reads (idp/settings.py),
so a bad value stops the master with a message that names it.
"""

import os
import shutil
import tempfile

from idp.serving.gunicorn_logger import ProbeQuietLogger
from idp.settings import load_settings

_settings = load_settings()

bind = _settings.bind
workers = _settings.worker_processes
# asgi: gunicorn's own ASGI worker, the Flask app behind idp/asgi_bridge.py, which
# takes its thread count (IDP_THREADS) itself; measured against gthread in docs/BENCHMARKS.md.
worker_class = {"asgi": "idp.serving.gunicorn_worker.FlaskAsgiWorker"}.get(
    _settings.worker_class, _settings.worker_class
)
threads = _settings.request_threads if _settings.worker_class == "gthread" else 1
asgi_lifespan = "off"
graceful_timeout = _settings.graceful_timeout
timeout = max(30, _settings.graceful_timeout)
keepalive = 5
loglevel = _settings.log_level.lower()
errorlog = "-"

# X-Forwarded-Proto and friends are believed from the configured proxies only
# (the app's idp.serving.proxies does the same for X-Forwarded-For); none by default.
forwarded_allow_ips = ",".join(_settings.trusted_proxies)

# The app writes one structured access record per request (idp/logging_setup.py),
# so gunicorn's own access log is off. Whoever turns it on (--access-logfile -)
# gets no lines for the probes and no query strings, tokens, cookies or credentials
# (idp/gunicorn_logger.py).
accesslog = None
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
logger_class = ProbeQuietLogger

# Prometheus multiprocess mode: each worker writes its samples to files in this
# directory and a scrape (served by any worker) adds them up. It must be set
# before a worker imports prometheus_client, hence here.
# Unset, each master gets a private directory (two servers on one machine must not
# add up, or wipe, each other's samples) and removes it when it exits.
_OWN_DIR = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _OWN_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lk-idp-prometheus-")
PROMETHEUS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    # Samples of a previous master's workers would be added to ours. The directory
    # itself may be a mounted volume: empty it, do not remove it.
    os.makedirs(PROMETHEUS_DIR, exist_ok=True)
    for entry in os.scandir(PROMETHEUS_DIR):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def on_exit(server):
    if _OWN_DIR:
        shutil.rmtree(PROMETHEUS_DIR, ignore_errors=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, PROMETHEUS_DIR)


def post_worker_init(worker):
    # The loaded app is ~130 000 objects that live as long as the worker; a full collection
    # walked them all (~45 ms holding the GIL) every so often, which was the p99 of userinfo
    # under load. Frozen, a collection walks only what requests made since.
    import gc

    gc.freeze()
