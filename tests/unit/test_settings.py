import pytest

from nomos_portal.settings import DEVELOPMENT_SECRET_KEY, SettingsError, load_settings

PRODUCTION = {
    "NOMOS_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://portal:secret@db/nomos",
    "BASE_DOMAIN": "customerportal.energy",
    "SECRET_KEY": "k" * 40,
    "SMTP_HOST": "smtp.example.com",
    "MAIL_FROM": "portal@customerportal.energy",
}


def test_development_defaults():
    settings = load_settings({})
    assert settings.environment == "development"
    assert settings.base_domain == "localhost"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.outbox_dir.name == "outbox"
    assert settings.smtp_host == ""


def test_production_complete():
    settings = load_settings(PRODUCTION)
    assert settings.is_production
    assert settings.base_domain == "customerportal.energy"


def test_production_lists_every_missing_setting():
    with pytest.raises(SettingsError) as caught:
        load_settings({"NOMOS_ENV": "production"})
    message = str(caught.value)
    for name in ("DATABASE_URL", "BASE_DOMAIN", "SECRET_KEY", "SMTP_HOST", "MAIL_FROM"):
        assert name in message


def test_production_one_missing_setting():
    environ = dict(PRODUCTION)
    del environ["SMTP_HOST"]
    with pytest.raises(SettingsError, match="SMTP_HOST"):
        load_settings(environ)


def test_production_rejects_weak_secret():
    for secret in (DEVELOPMENT_SECRET_KEY, "short"):
        with pytest.raises(SettingsError, match="SECRET_KEY"):
            load_settings({**PRODUCTION, "SECRET_KEY": secret})


def test_invalid_values_named_in_message():
    with pytest.raises(SettingsError, match="SMTP_PORT"):
        load_settings({"SMTP_PORT": "smtp"})
    with pytest.raises(SettingsError, match="SMTP_PORT"):
        load_settings({"SMTP_PORT": "70000"})
    with pytest.raises(SettingsError, match="SMTP_SECURITY"):
        load_settings({"SMTP_SECURITY": "tls1"})
    with pytest.raises(SettingsError, match="NOMOS_ENV"):
        load_settings({"NOMOS_ENV": "staging"})


def test_repr_hides_secrets():
    text = repr(load_settings(PRODUCTION))
    assert "secret@db" not in text
    assert "k" * 40 not in text


def test_base_domain_normalised():
    assert load_settings({"BASE_DOMAIN": "CustomerPortal.Energy."}).base_domain == "customerportal.energy"


def test_demo_mode_defaults_by_environment():
    assert load_settings({}).demo_mode is True
    assert load_settings(PRODUCTION).demo_mode is False
    assert load_settings({"DEMO_MODE": "false"}).demo_mode is False
    with pytest.raises(SettingsError, match="DEMO_MODE"):
        load_settings({"DEMO_MODE": "maybe"})


def test_frozen_clock_only_outside_production():
    settings = load_settings({"NOMOS_NOW": "2026-03-28T14:00:00+01:00"})
    assert settings.frozen_now.isoformat() == "2026-03-28T14:00:00+01:00"
    with pytest.raises(SettingsError, match="NOMOS_NOW"):
        load_settings({"NOMOS_NOW": "2026-03-28T14:00:00"})
    with pytest.raises(SettingsError, match="NOMOS_NOW"):
        load_settings({"NOMOS_NOW": "tomorrow"})
    with pytest.raises(SettingsError, match="NOMOS_NOW"):
        load_settings({**PRODUCTION, "NOMOS_NOW": "2026-03-28T14:00:00+01:00"})


def test_redis_url_optional_and_checked():
    assert load_settings({}).redis_url == ""
    assert (
        load_settings({**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}).redis_url == "redis://127.0.0.1:6379/0"
    )
    with pytest.raises(SettingsError, match="REDIS_URL"):
        load_settings({"REDIS_URL": "127.0.0.1:6379"})


def test_drain_seconds_by_environment_and_checked():
    assert load_settings({}).drain_seconds == 0
    assert load_settings(PRODUCTION).drain_seconds == 10
    assert load_settings({**PRODUCTION, "NOMOS_DRAIN_SECONDS": "2.5"}).drain_seconds == 2.5
    assert load_settings({**PRODUCTION, "NOMOS_DRAIN_SECONDS": "0"}).drain_seconds == 0
    for bad in ("-1", "61", "ten", "nan", "inf"):
        with pytest.raises(SettingsError, match="NOMOS_DRAIN_SECONDS must be a number of seconds from 0 to 60"):
            load_settings({**PRODUCTION, "NOMOS_DRAIN_SECONDS": bad})
