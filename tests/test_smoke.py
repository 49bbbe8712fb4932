def test_discovery_names_the_issuer(client, app):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.json["issuer"] == app.extensions["idp"].settings.issuer
    assert response.json["code_challenge_methods_supported"] == ["S256"]


def test_jwks_publishes_public_keys_only(client):
    keys = client.get("/jwks.json").json["keys"]
    assert {k["kty"] for k in keys} == {"RSA", "EC"}
    assert all("d" not in k for k in keys)
