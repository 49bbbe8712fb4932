"""Keys mounted as PEM files (a Kubernetes secret) are what the provider signs with and publishes."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from idp.app import create_app
from idp.oidc.keys import sign
from tests.support.config import make_settings


def test_pem_files_are_published_and_used(tmp_path, backend, server_port, clients_file, app):
    rsa, ec = RSAKey.generate_key(2048, private=True), ECKey.generate_key("P-256", private=True)
    (tmp_path / "rs256.pem").write_bytes(rsa.as_pem(private=True))
    (tmp_path / "es256.pem").write_bytes(ec.as_pem(private=True))
    mounted = create_app(
        make_settings(
            backend,
            server_port,
            clients_file,
            signing_key_files=(str(tmp_path / "rs256.pem"), str(tmp_path / "es256.pem")),
        )
    )
    published = mounted.test_client().get("/jwks.json").json["keys"]
    assert {k["kid"] for k in published} == {rsa.thumbprint(), ec.thumbprint()}
    assert all("d" not in k for k in published)

    with mounted.app_context():
        key = mounted.extensions["idp"].keyring.signing_key("RS256")
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, {"sub": "x"}, key)
    assert jwt.decode(token, KeySet.import_key_set({"keys": published})).claims["sub"] == "x"


def test_what_is_signed_with_either_algorithm_verifies_against_the_published_keys(app):
    with app.app_context():
        keyring = app.extensions["idp"].keyring
        published = KeySet.import_key_set(keyring.public_keyset().as_dict(private=False))
        for alg in ("RS256", "ES256"):
            token = sign(keyring, {"sub": "x", "name": "Иван", "nonce": None}, typ="logout+jwt", alg=alg)
            decoded = jwt.decode(token, published, algorithms=[alg])
            assert decoded.header == {"alg": alg, "kid": keyring.signing_key(alg).kid, "typ": "logout+jwt"}
            assert decoded.claims == {"sub": "x", "name": "Иван"}
