import pytest

from idp.settings import SettingsError, load_settings

GOOD = {
    "IDP_ENV": "production",
    "IDP_ISSUER": "https://lk.example.ru",
    "IDP_SECRET_KEY": "s" * 40,
    "IDP_SMS_BACKEND": "http",
    "IDP_SMS_HTTP_URL": "https://sms.example/send",
    "IDP_SMTP_HOST": "smtp.example.ru",
}


def test_good_production_settings_load():
    settings = load_settings(environ=GOOD)
    assert settings.issuer == "https://lk.example.ru"
    assert settings.sms_code_ttl == 600


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IDP_ISSUER", "lk.example.ru"),
        ("IDP_ISSUER", "http://lk.example.ru"),
        ("IDP_SECRET_KEY", "short"),
        ("IDP_DATABASE_URL", "mysql://x"),
        ("IDP_REDIS_URL", "http://redis"),
        ("IDP_SMS_BACKEND", "pigeon"),
        ("IDP_SMS_BACKEND", "console"),
        ("IDP_SMTP_PORT", "seventy"),
        ("IDP_SMS_CODE_TTL", "0"),
    ],
)
def test_bad_setting_is_named(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings(environ={**GOOD, name: value})


def test_config_file_then_environment(tmp_path):
    path = tmp_path / "lk.toml"
    path.write_text('issuer = "https://from-file.example"\nsms_code_ttl = 300\n')
    settings = load_settings(
        environ={**GOOD, "IDP_CONFIG_FILE": str(path), "IDP_ISSUER": "https://env.example"}
    )
    assert settings.issuer == "https://env.example"
    assert settings.sms_code_ttl == 300


def test_unknown_key_in_config_file(tmp_path):
    path = tmp_path / "lk.toml"
    path.write_text('isuer = "typo"\n')
    with pytest.raises(SettingsError, match="isuer"):
        load_settings(environ={**GOOD, "IDP_CONFIG_FILE": str(path)})


def test_threads_default_by_the_database():
    def threads(**environ):
        return load_settings(environ={**GOOD, **environ}).request_threads

    assert (threads(IDP_DATABASE_URL="sqlite:///x.db"), threads(IDP_DATABASE_URL="postgresql://h/db")) == (
        3,
        4,
    )
    assert threads(IDP_DATABASE_URL="sqlite:///x.db", IDP_THREADS="8") == 8
    with pytest.raises(SettingsError, match="IDP_THREADS"):
        threads(IDP_THREADS="-1")
