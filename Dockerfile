# lk-idp image: `docker build -t lk-idp .`
# Stage 1 builds wheels for the package and every dependency (compilers live here
# only); stage 2 installs them into a virtualenv on a slim base and runs as an
# unprivileged user.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY idp ./idp
COPY flows ./flows
COPY consent ./consent
# the same package install as `make install`, as wheels
RUN pip wheel --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    IDP_BIND=0.0.0.0:8000
RUN groupadd --system --gid 10001 lkidp \
 && useradd --system --uid 10001 --gid lkidp --home-dir /app --no-create-home --shell /usr/sbin/nologin lkidp
COPY --from=builder /wheels /wheels
RUN python -m venv /opt/venv \
 && pip install --no-index --find-links=/wheels lk-idp \
 && rm -rf /wheels
WORKDIR /app
# The app finds templates/, static/ and migrations/ beside its packages
# (idp/app.py ROOT), so the source tree is laid out here and put first on
# PYTHONPATH; the installed wheel brings the dependencies and `lk-idp`.
COPY idp ./idp
COPY flows ./flows
COPY consent ./consent
COPY templates ./templates
COPY translations ./translations
COPY static ./static
COPY migrations ./migrations
COPY config ./config
COPY wsgi.py gunicorn.conf.py ./
# Read-only root filesystem in production: compile now, and let instance/ exist
# (create_app only checks it; SQLite and the development secret live there).
# The message catalogues are compiled here, as `make install` does (no .mo is committed).
RUN pybabel --quiet compile -d /app/translations \
 && python -m compileall -q /app \
 && mkdir -p /app/instance \
 && chown lkidp:lkidp /app/instance
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('IDP_BIND', ':8000').rsplit(':', 1)[1]; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=4).status == 200 else 1)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
