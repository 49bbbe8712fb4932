"""/healthz and /readyz as an orchestrator sees them."""

from __future__ import annotations

from flask_migrate import upgrade

from tests.support.net import free_port


def _ready(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.json


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_names_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": {"status": "ok"}, "store": {"status": "ok"}, "signing_key": {"status": "ok"}},
    }


def test_readyz_turns_503_naming_the_database_and_recovers(backend, tcp_proxy, make_app, tmp_path):
    if backend.kind == "services":
        proxy = tcp_proxy(backend.database_url)
        app = make_app(database_url=proxy.url(backend.database_url))
        assert _ready(app)[0] == 200
        proxy.cut()
        recover = proxy.restore
    else:
        # SQLite cannot be "unreachable"; a database file whose folder is gone is the nearest thing.
        folder = tmp_path / "gone"
        app = make_app(database_url=f"sqlite:///{folder}/lk.sqlite")

        def recover():
            folder.mkdir()
            with app.app_context():
                upgrade()

    status, body = _ready(app)
    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"]["database"] == {"status": "failing", "detail": "unreachable"}
    assert body["checks"]["store"] == {"status": "ok"}
    assert app.test_client().get("/healthz").status_code == 200

    recover()
    status, body = _ready(app)
    assert (status, body["checks"]["database"]) == (200, {"status": "ok"})


def test_readyz_turns_503_naming_the_store_and_recovers(backend, tcp_proxy, make_app):
    if backend.kind == "services":
        proxy = tcp_proxy(backend.redis_url)
        app = make_app(redis_url=proxy.url(backend.redis_url))
        assert _ready(app)[0] == 200
        proxy.cut()
    else:
        proxy = None  # no Redis on the embedded backend: a URL nobody listens on
        app = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")

    status, body = _ready(app)
    assert status == 503
    assert body["checks"]["store"] == {"status": "failing", "detail": "unreachable"}
    assert body["checks"]["database"] == {"status": "ok"}
    assert app.test_client().get("/healthz").status_code == 200

    if proxy is not None:
        proxy.restore()
        assert _ready(app) == (200, {"status": "ok", "checks": _all_ok()})


def _all_ok():
    return {name: {"status": "ok"} for name in ("database", "store", "signing_key")}


def test_readyz_refuses_a_database_behind_the_migrations(make_app, tmp_path):
    app = make_app(database_url=f"sqlite:///{tmp_path}/fresh.sqlite")
    status, body = _ready(app)
    assert status == 503
    assert body["checks"]["database"] == {"status": "failing", "detail": "not migrated"}

    with app.app_context():
        upgrade(revision="base")  # an empty alembic_version: migrated to nothing yet
    status, body = _ready(app)
    assert status == 503
    assert body["checks"]["database"]["detail"].startswith("at nothing, code expects ")

    with app.app_context():
        upgrade()
    assert _ready(app)[0] == 200


def test_readyz_without_a_signing_key(make_app, tmp_path):
    app = make_app(signing_key_files=(str(tmp_path / "missing.pem"),))
    status, body = _ready(app)
    assert status == 503
    assert body["checks"]["signing_key"] == {"status": "failing", "detail": "no usable RS256 key"}


def test_probes_are_not_rate_limited_nor_logged(client, caplog):
    caplog.set_level("INFO", logger="idp.access")
    for _ in range(50):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    assert [r for r in caplog.records if r.name == "idp.access"] == []
