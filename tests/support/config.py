"""The settings every test app runs with, and the relying parties of the test clients file."""

from __future__ import annotations

from idp.settings import load_settings

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
CONFIDENTIAL = {"client_id": "rp-confidential", "client_secret": "rp-secret-0123456789abcdef"}
PUBLIC = {"client_id": "rp-public"}
# the office CRM (client_credentials, scope office:applicants) and a machine client without that scope
OFFICE_CRM = {"client_id": "office-crm", "client_secret": "office-crm-secret-0123456789"}
OTHER_MACHINE = {"client_id": "other-machine", "client_secret": "other-machine-secret-0123456789"}
RP_CALLBACK = "https://rp.example/cb"
RP_LOGOUT = "https://rp.example/bye"
# Two relying parties sharing one sign-in, each with a back-channel logout endpoint
# (tests/support/delivery.py): the site may ask for offline_access, the portal may not.
SITE = {
    "client_id": "rp-site",
    "client_secret": "rp-site-secret-0123456789",
    "callback": "https://site.example/cb",
}
PORTAL = {
    "client_id": "rp-portal",
    "client_secret": "rp-portal-secret-0123456789",
    "callback": "https://portal.example/cb",
}


def clients_toml(server_port: int, logout_url) -> str:
    """The clients file: the test relying parties and the demo; logout_url(name) is the
    back-channel logout endpoint of the site or the portal."""
    return f"""
[[client]]
client_id = "{CONFIDENTIAL["client_id"]}"
client_secret = "{CONFIDENTIAL["client_secret"]}"
token_endpoint_auth_method = "client_secret_basic"
redirect_uris = ["{RP_CALLBACK}", "http://127.0.0.1:{server_port}/demo/callback"]
post_logout_redirect_uris = ["{RP_LOGOUT}"]

[[client]]
client_id = "{PUBLIC["client_id"]}"
token_endpoint_auth_method = "none"
redirect_uris = ["{RP_CALLBACK}"]
post_logout_redirect_uris = ["{RP_LOGOUT}"]

[[client]]
client_id = "demo"
client_secret = "dev-secret-demo-change-me"
token_endpoint_auth_method = "client_secret_post"
redirect_uris = ["http://127.0.0.1:{server_port}/demo/callback"]
post_logout_redirect_uris = ["http://127.0.0.1:{server_port}/demo"]

[[client]]
client_id = "{SITE["client_id"]}"
client_secret = "{SITE["client_secret"]}"
redirect_uris = ["{SITE["callback"]}"]
backchannel_logout_uri = "{logout_url("site")}"
scope = "openid profile offline_access"

[[client]]
client_id = "{PORTAL["client_id"]}"
client_secret = "{PORTAL["client_secret"]}"
redirect_uris = ["{PORTAL["callback"]}"]
backchannel_logout_uri = "{logout_url("portal")}"
scope = "openid profile"

# A relying party on a real host: in development its logout goes to /dev/outbox only.
[[client]]
client_id = "rp-remote"
client_secret = "rp-remote-secret-0123456789"
redirect_uris = ["{RP_CALLBACK}"]
backchannel_logout_uri = "https://rp.example/backchannel-logout"

[[client]]
client_id = "{OFFICE_CRM["client_id"]}"
client_secret = "{OFFICE_CRM["client_secret"]}"
grant_types = ["client_credentials"]
scope = "office:applicants"

[[client]]
client_id = "{OTHER_MACHINE["client_id"]}"
client_secret = "{OTHER_MACHINE["client_secret"]}"
grant_types = ["client_credentials"]
scope = "reports:read"
"""


def setting_values(backend, server_port, clients_file, **overrides) -> dict:
    """The settings every test app runs with, as field name → value."""
    values = dict(
        env="development",
        issuer=f"http://127.0.0.1:{server_port}",
        secret_key=TEST_SECRET,
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        store_prefix=backend.store_prefix,
        clients_file=clients_file,
        argon2_time_cost=1,
        argon2_memory_cost=8192,
        delivery_in_process=False,
        even_answer_seconds=0,  # held answers are timed where it matters (tests/flows/test_enumeration.py)
    )
    values.update(overrides)
    return values


def make_settings(backend, server_port, clients_file, **overrides):
    return load_settings(environ={}, **setting_values(backend, server_port, clients_file, **overrides))
