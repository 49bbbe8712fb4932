def test_discovery_names_the_issuer(client, app):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.json["issuer"] == app.extensions["idp"].settings.issuer
    assert response.json["code_challenge_methods_supported"] == ["S256"]


def test_jwks_publishes_public_keys_only(client):
    keys = client.get("/jwks.json").json["keys"]
    assert {k["kty"] for k in keys} == {"RSA", "EC"}
    assert all("d" not in k for k in keys)


def test_documents_carry_etag_and_answer_304(client):
    for path in ("/.well-known/openid-configuration", "/jwks.json"):
        first = client.get(path)
        assert first.status_code == 200
        assert first.headers["Cache-Control"].startswith("public, max-age=")
        assert first.headers["Access-Control-Allow-Origin"] == "*"
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert again.data == b""
