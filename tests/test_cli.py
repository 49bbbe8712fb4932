"""The lk-idp command line: clients, keys, and `make run`'s server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import requests

from idp.clock import clock
from idp.db import db
from idp.models import Account, Client, SigningKey
from tests.support.net import free_port


def test_clients_add_rotate_remove(app):
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=["clients", "add", "--client-id", "cli-rp", "--redirect-uri", "https://cli.example/cb"]
    )
    assert added.exit_code == 0, added.output
    secret = added.output.split("client_secret: ")[1].strip()
    with app.app_context():
        client = Client.query.filter_by(client_id="cli-rp").one()
        assert client.check_client_secret(secret)
        assert secret not in (client.client_secret_hash or "")

    rotated = runner.invoke(args=["clients", "rotate-secret", "cli-rp"])
    new_secret = rotated.output.split("client_secret: ")[1].strip()
    with app.app_context():
        client = db.session.get(Client, client.id)
        assert client.check_client_secret(new_secret)
        assert not client.check_client_secret(secret)

    listed = runner.invoke(args=["clients", "list"])
    assert "cli-rp" in listed.output
    assert runner.invoke(args=["clients", "remove", "cli-rp"]).exit_code == 0
    assert runner.invoke(args=["clients", "remove", "cli-rp"]).exit_code != 0


def test_clients_add_rejects_a_bad_redirect_uri(app):
    result = app.test_cli_runner().invoke(
        args=["clients", "add", "--client-id", "x", "--redirect-uri", "not-a-uri"]
    )
    assert result.exit_code != 0
    assert "not an absolute" in result.output


def test_key_rotation_publishes_ahead_and_keeps_the_old_key(app, client):
    keyring = app.extensions["idp"].keyring
    with app.app_context():
        before = keyring.signing_key("RS256").kid
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        keyring.reload()
        published = {k["kid"] for k in client.get("/jwks.json").json["keys"]}
        new_kid = result.output.split("kid=")[1].split()[0]
        assert {before, new_kid} <= published
        assert keyring.signing_key("RS256").kid == before  # not yet due

        clock.advance(app.extensions["idp"].settings.key_rotation_lead + 1)
        keyring.reload()
        assert keyring.signing_key("RS256").kid == new_kid
        clock.advance(max(app.extensions["idp"].settings.id_token_ttl, 600) + 1)
        keyring.reload()
        assert before not in {k["kid"] for k in client.get("/jwks.json").json["keys"]}
    clock.reset()
    with app.app_context():
        SigningKey.query.filter_by(kid=new_kid).delete()
        SigningKey.query.update({SigningKey.retired_at: None})
        db.session.commit()
        keyring.reload()


def test_accounts_create(app):
    result = app.test_cli_runner().invoke(
        args=[
            "accounts",
            "create",
            "--email",
            "Cli@Example.ru",
            "--phone",
            "8 916 123-45-67",
            "--family-name",
            "Петров",
            "--given-name",
            "Пётр",
            "--password",
            "Долгий-пароль-1",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        account = Account.query.filter_by(email="cli@example.ru").one()
        assert account.phone == "+79161234567"


def test_serve_on_the_embedded_default(tmp_path):
    """What `make run` does: migrate SQLite, load the example clients, serve discovery."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_ENV="development",
        IDP_ISSUER=f"http://127.0.0.1:{port}",
        IDP_DATABASE_URL=f"sqlite:///{tmp_path}/run.sqlite",
        IDP_DELIVERY_IN_PROCESS="false",
    )
    cli = os.path.join(os.path.dirname(sys.executable), "lk-idp")
    proc = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        env=env,
        cwd=os.getcwd(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1
                )
                break
            except requests.ConnectionError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.json()["issuer"] == f"http://127.0.0.1:{port}"
        assert requests.get(f"http://127.0.0.1:{port}/demo", timeout=2).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # the development staff account for the client office console, with its TOTP secret
    printed = proc.stdout.read().decode()
    assert re.search(r"/staff/login +login: dev-operator +password: \S+ +TOTP secret: [A-Z2-7]{32}", printed)


def test_bad_configuration_stops_the_cli_with_the_setting_named():
    cli = os.path.join(os.path.dirname(sys.executable), "lk-idp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(IDP_ENV="production", IDP_ISSUER="https://lk.example.ru", IDP_SECRET_KEY="short")
    result = subprocess.run([cli, "keys", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "IDP_SECRET_KEY" in result.stderr
