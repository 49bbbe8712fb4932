"""One typed settings object, read from IDP_* variables and an optional TOML file.

Every value is validated at start-up; a bad one stops the process with a
message that names the setting, so an operator never meets a half-configured
provider at 3 a.m.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from idp.cpus import usable_cores

DEV_SECRET_FILE = "instance/secret_key"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    env: str = "production"  # "development" turns on /dev/outbox and /demo
    issuer: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    database_url: str = "sqlite:///lk-idp.sqlite"  # relative paths live in instance/
    redis_url: str = ""
    redis_sentinels: tuple[str, ...] = ()  # host:port of each sentinel; then redis_url is optional
    redis_sentinel_master: str = "lkidp"  # the name the sentinels monitor the master by
    store_prefix: str = "lkidp:"
    clients_file: str = ""
    signing_key_files: tuple[str, ...] = ()
    key_dir: str = ""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    mail_from: str = "lk@rossetimr.ru"
    sms_backend: str = "console"
    sms_http_url: str = ""
    sms_http_token: str = ""
    sms_http_timeout: float = 5.0
    backchannel_logout_timeout: float = 5.0
    delivery_in_process: bool = True
    delivery_max_attempts: int = 8
    delivery_backoff_seconds: float = 5.0
    delivery_backoff_max: float = 3600.0
    delivery_poll_interval: float = 2.0
    delivery_retention: int = 7 * 24 * 3600

    access_token_ttl: int = 600
    id_token_ttl: int = 600
    refresh_token_ttl: int = 30 * 24 * 3600
    code_ttl: int = 60
    session_ttl: int = 12 * 3600
    key_rotation_lead: int = 24 * 3600
    client_cache_ttl: int = 30

    sms_code_length: int = 6
    sms_code_ttl: int = 600
    sms_max_attempts: int = 5
    sms_resend_cooldown: int = 60
    sms_daily_cap: int = 5
    # SMS budgets (flows/sms_budget.py): SMS asked for per address and per its /24 or /64,
    # SMS sent per number prefix (+7 and three digits), and in all
    sms_per_address_hour: int = 10
    sms_per_address_day: int = 30
    sms_per_network_hour: int = 30
    sms_per_prefix_hour: int = 200
    sms_global_hour: int = 2000
    even_answer_seconds: float = 0.1  # recovery, resend and registration answer no sooner (web/even_time.py)
    activation_window: int = 24 * 3600
    assisted_unconfirmed_purge: int = 7 * 24 * 3600
    closed_account_retention: int = 30 * 24 * 3600
    # Sign-in failures (wrong passwords and codes; successes never count), per window:
    login_attempts_per_window: int = 10  # per (account, address); then that address waits:
    login_lockout_delay: int = 60  # 60 s after the next failure, 120 s after the one after…
    login_attempt_window: int = 900
    login_failures_per_account: int = 30  # from anywhere: the account is under attack, its owner told
    login_failures_per_address: int = 500  # one address may be a carrier's CGNAT, shared by thousands
    client_auth_failures_per_window: int = 30

    # the client office (flows/office): staff sessions on /staff, the services an applicant comes for
    staff_session_ttl: int = 8 * 3600  # absolute, from sign-in
    staff_idle_timeout: int = 30 * 60
    office_services: tuple[str, ...] = ("переоформление", "технологическое присоединение")

    password_min_length: int = 10
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 1

    video_instruction_url: str = ""
    # Where a person whose cabinet was deleted asks for it to be created again (the seed's ВАЖНО)
    support_contact: str = "https://rossetimr.ru/"
    log_level: str = "INFO"
    metrics_token: str = ""
    trusted_proxies: tuple[str, ...] = ()  # IPs or CIDR networks whose X-Forwarded-* are believed
    # ops: gunicorn (gunicorn.conf.py) and the access log
    bind: str = "127.0.0.1:8000"
    workers: int = 0  # 0: one per usable core (idp/cpus.py)
    worker_class: str = (
        "asgi"  # asgi: gunicorn's event loop + Flask in `threads` threads (idp/asgi_bridge.py)
    )
    threads: int = 0  # Flask's threads per worker (asgi, gthread); 0: by the database (request_threads)
    graceful_timeout: int = 30
    log_probes: bool = False  # access records for /healthz /readyz /metrics
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def worker_processes(self) -> int:
        """gunicorn workers: as set, or one per core this process may use. Measured on
        one pinned core, one worker with threads beat two (docs/BENCHMARKS.md)."""
        return self.workers or usable_cores()

    @property
    def request_threads(self) -> int:
        """Flask's threads per worker: as set, or 4 with PostgreSQL and 3 with SQLite. Threads
        overlap a request's waits on PostgreSQL and Redis; the embedded SQLite and in-process
        store leave nothing to wait on, and a fourth thread only queues on the GIL, which
        stretched the slowest requests (docs/BENCHMARKS.md, "Worker models tried")."""
        if self.threads:
            return self.threads
        return 3 if self.database_url.startswith("sqlite") else 4

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}


def _coerce(name: str, raw: Any, default: Any) -> Any:
    env_name = f"IDP_{name.upper()}"
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            value = str(raw).strip().lower()
            if value in {"1", "true", "yes", "on"}:
                return True
            if value in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            if isinstance(raw, list | tuple):
                return tuple(str(item) for item in raw)
            return tuple(part.strip() for part in str(raw).split(",") if part.strip())
        return str(raw)
    except ValueError:
        raise SettingsError(f"{env_name}: cannot read {raw!r} as {type(default).__name__}") from None


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from a TOML file (IDP_CONFIG_FILE), then IDP_* variables, then overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = environ.get("IDP_CONFIG_FILE")
    if config_file:
        try:
            with open(config_file, "rb") as fh:
                from_file = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"IDP_CONFIG_FILE: cannot read {config_file}: {exc}") from None
        for key, raw in from_file.items():
            if key not in _FIELDS:
                raise SettingsError(f"IDP_CONFIG_FILE: unknown setting {key!r}")
            values[key] = raw
    for name in _FIELDS:
        env_name = f"IDP_{name.upper()}"
        if env_name in environ:
            values[name] = environ[env_name]
    values.update(overrides)
    typed = {
        name: _coerce(name, raw, _FIELDS[name].default) if not isinstance(raw, dict) else raw
        for name, raw in values.items()
    }
    settings = Settings(**typed)
    if not settings.secret_key and settings.development:
        settings = settings.replace(secret_key=_development_secret())
    validate(settings)
    return settings


def _development_secret() -> str:
    path = Path(DEV_SECRET_FILE)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    return secret


def _require_positive(settings: Settings, *names: str) -> None:
    """Refuse the first of these numbers that is zero or less."""
    for name in names:
        if getattr(settings, name) <= 0:
            raise SettingsError(f"IDP_{name.upper()}: must be positive")


def validate(settings: Settings) -> None:
    """Raise SettingsError naming the first setting that cannot work."""
    if settings.env not in {"development", "production"}:
        raise SettingsError("IDP_ENV: must be 'development' or 'production'")
    issuer = urlparse(settings.issuer)
    if issuer.scheme not in {"http", "https"} or not issuer.netloc or issuer.query:
        raise SettingsError("IDP_ISSUER: must be an http(s) URL without query")
    if (
        issuer.scheme == "http"
        and not settings.development
        and issuer.hostname
        not in {
            "127.0.0.1",
            "localhost",
        }
    ):
        raise SettingsError("IDP_ISSUER: must use https outside development")
    if len(settings.secret_key) < 32:
        raise SettingsError("IDP_SECRET_KEY: must be set to at least 32 characters")
    if urlparse(settings.database_url).scheme.split("+")[0] not in {"sqlite", "postgresql"}:
        raise SettingsError("IDP_DATABASE_URL: must be a sqlite:// or postgresql:// URL")
    if settings.redis_url and urlparse(settings.redis_url).scheme not in {
        "redis",
        "rediss",
        "unix",
    }:
        raise SettingsError("IDP_REDIS_URL: must be a redis:// or rediss:// URL")
    for entry in settings.redis_sentinels:
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise SettingsError(f"IDP_REDIS_SENTINELS: {entry!r} is not host:port")
    if settings.redis_sentinels and not settings.redis_sentinel_master:
        raise SettingsError("IDP_REDIS_SENTINEL_MASTER: required with IDP_REDIS_SENTINELS")
    if settings.sms_backend not in {"console", "http"}:
        raise SettingsError("IDP_SMS_BACKEND: must be 'console' or 'http'")
    if settings.sms_backend == "http" and not settings.sms_http_url:
        raise SettingsError("IDP_SMS_HTTP_URL: required when IDP_SMS_BACKEND=http")
    if settings.sms_http_url and urlparse(settings.sms_http_url).scheme not in {"http", "https"}:
        raise SettingsError("IDP_SMS_HTTP_URL: must be an http(s) URL")
    if not settings.development and settings.sms_backend == "console":
        raise SettingsError("IDP_SMS_BACKEND: 'console' is for development only")
    if not 1 <= settings.smtp_port <= 65535:
        raise SettingsError("IDP_SMTP_PORT: must be a port number")
    if not settings.development and not settings.smtp_host:
        raise SettingsError("IDP_SMTP_HOST: required outside development (activation links go by e-mail)")
    if settings.smtp_username and not settings.smtp_password:
        raise SettingsError("IDP_SMTP_PASSWORD: required when IDP_SMTP_USERNAME is set")
    _require_positive(
        settings,
        "sms_http_timeout",
        "backchannel_logout_timeout",
        "smtp_timeout",
        "delivery_backoff_seconds",
        "delivery_backoff_max",
        "delivery_poll_interval",
        "delivery_retention",
    )
    if settings.delivery_max_attempts < 1:
        raise SettingsError("IDP_DELIVERY_MAX_ATTEMPTS: must be at least 1")
    _require_positive(
        settings,
        "access_token_ttl",
        "code_ttl",
        "sms_code_ttl",
        "activation_window",
        "login_attempts_per_window",
        "login_attempt_window",
        "login_failures_per_address",
        "login_failures_per_account",
        "sms_per_address_hour",
        "sms_per_address_day",
        "sms_per_network_hour",
        "sms_per_prefix_hour",
        "sms_global_hour",
        "client_auth_failures_per_window",
    )
    # ops
    if settings.worker_class not in {"asgi", "gthread", "sync"}:
        raise SettingsError("IDP_WORKER_CLASS: must be 'asgi', 'gthread' or 'sync'")
    if settings.workers < 0:
        raise SettingsError("IDP_WORKERS: must be 0 (one per usable core) or more")
    if settings.threads < 0:
        raise SettingsError("IDP_THREADS: must be 0 (by the database) or more")
    if settings.graceful_timeout < 1:
        raise SettingsError("IDP_GRACEFUL_TIMEOUT: must be at least 1")
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("IDP_LOG_LEVEL: must be DEBUG, INFO, WARNING or ERROR")
    for entry in settings.trusted_proxies:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SettingsError(f"IDP_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
    if not 0 <= settings.even_answer_seconds <= 5:
        raise SettingsError("IDP_EVEN_ANSWER_SECONDS: must be between 0 and 5")
    if settings.login_lockout_delay < 0:
        raise SettingsError("IDP_LOGIN_LOCKOUT_DELAY: must be 0 (locked until the window ends) or more")
    if not settings.office_services:
        raise SettingsError("IDP_OFFICE_SERVICES: name at least one service (the first is the default)")
    _require_positive(settings, "staff_session_ttl", "staff_idle_timeout")
    if not 4 <= settings.sms_code_length <= 10:
        raise SettingsError("IDP_SMS_CODE_LENGTH: must be between 4 and 10")
