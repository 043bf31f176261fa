"""Settings read from environment variables, with development defaults."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Used only in development; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105

SMTP_SECURITY_MODES = ("starttls", "ssl", "none")
# The schemes Reflex 0.10 accepts for its Redis state manager.
REDIS_URL_SCHEMES = ("redis://", "rediss://", "unix://")


# Maximum of NOMOS_DRAIN_SECONDS, well below systemd's default stop timeout of 90 s.
MAX_DRAIN_SECONDS = 60


class SettingsError(RuntimeError):
    """Raised when the environment does not describe a usable configuration."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The portal's configuration.

    Attributes:
        environment: "development" or "production".
        database_url: SQLAlchemy URL of the portal database.
        base_domain: Domain under which each plan has its subdomain.
        secret_key: Key for hashing sign-in codes and encrypting IBANs.
        smtp_host: SMTP server; empty means mail goes to the file outbox.
        smtp_port: SMTP server port.
        smtp_user: SMTP user name, empty for relays without authentication.
        smtp_password: SMTP password.
        smtp_security: "starttls", "ssl" or "none".
        mail_from: Sender address of every email.
        outbox_dir: Folder that receives one .eml file per message without SMTP.
        log_level: Level name for the portal's loggers.
        redis_url: URL of the Redis server that keeps Reflex's per-tab state; empty keeps it on disk.
        demo_mode: Replay real historic prices onto today and tomorrow and top up demo meter data.
        frozen_now: A fixed "now" for tests and demos; None uses the real clock.
        drain_seconds: Time over which a stopping worker closes its websockets; 0 closes them at once.
    """

    environment: str
    database_url: str
    base_domain: str
    secret_key: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_security: str
    mail_from: str
    outbox_dir: Path
    log_level: str
    redis_url: str = ""
    demo_mode: bool = False
    frozen_now: datetime.datetime | None = None
    drain_seconds: float = 0.0

    @property
    def is_production(self) -> bool:
        """Whether the portal runs with production rules (secure cookies, no defaults)."""
        return self.environment == "production"

    def __repr__(self) -> str:
        # Keep secrets out of tracebacks and logs.
        return (
            f"Settings(environment={self.environment!r}, database_url=<hidden>, "
            f"base_domain={self.base_domain!r}, redis_url=<hidden>, smtp_host={self.smtp_host!r})"
        )


# Each production setting without a safe default, with what it is for.
REQUIRED_IN_PRODUCTION = {
    "DATABASE_URL": "the database, e.g. postgresql+psycopg://user:password@host/nomos",
    "BASE_DOMAIN": "the domain that carries one subdomain per plan, e.g. customerportal.energy",
    "SECRET_KEY": (
        "a random string of at least 32 characters, "
        "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    ),
    "SMTP_HOST": "the SMTP server that sends sign-in codes",
    "MAIL_FROM": "the sender address, e.g. portal@customerportal.energy",
}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from environment variables.

    Args:
        environ: Variables to read; the process environment when omitted.

    Returns:
        The validated settings.

    Raises:
        SettingsError: A production setting is missing or a value is invalid.
    """
    env = os.environ if environ is None else environ

    def value(name: str, default: str = "") -> str:
        return env.get(name, default).strip()

    environment = value("NOMOS_ENV", "development").lower()
    if environment not in ("development", "production"):
        msg = f"NOMOS_ENV must be 'development' or 'production', not {environment!r}."
        raise SettingsError(msg)
    production = environment == "production"

    if production:
        missing = [name for name in REQUIRED_IN_PRODUCTION if not value(name)]
        if missing:
            lines = [f"  {name}: {REQUIRED_IN_PRODUCTION[name]}" for name in missing]
            msg = "Missing required production settings:\n" + "\n".join(lines)
            raise SettingsError(msg)

    secret_key = value("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    if production and (secret_key == DEVELOPMENT_SECRET_KEY or len(secret_key) < 32):
        msg = "SECRET_KEY must be a random string of at least 32 characters in production."
        raise SettingsError(msg)

    smtp_port_text = value("SMTP_PORT", "587")
    try:
        smtp_port = int(smtp_port_text)
    except ValueError:
        msg = f"SMTP_PORT must be a port number, not {smtp_port_text!r}."
        raise SettingsError(msg) from None
    if not 0 < smtp_port < 65536:
        msg = f"SMTP_PORT must be between 1 and 65535, not {smtp_port}."
        raise SettingsError(msg)

    smtp_security = value("SMTP_SECURITY", "starttls").lower()
    if smtp_security not in SMTP_SECURITY_MODES:
        msg = f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_MODES)}, not {smtp_security!r}."
        raise SettingsError(msg)

    base_domain = value("BASE_DOMAIN", "localhost").lower().rstrip(".")
    if not base_domain or base_domain.startswith("."):
        msg = f"BASE_DOMAIN must be a domain name such as customerportal.energy, not {base_domain!r}."
        raise SettingsError(msg)

    demo_text = value("DEMO_MODE", "false" if production else "true").lower()
    if demo_text not in ("true", "false", "1", "0", "yes", "no"):
        msg = f"DEMO_MODE must be true or false, not {demo_text!r}."
        raise SettingsError(msg)

    frozen_now = None
    if value("NOMOS_NOW"):
        if production:
            msg = "NOMOS_NOW fixes the clock for tests and demos; unset it in production."
            raise SettingsError(msg)
        try:
            frozen_now = datetime.datetime.fromisoformat(value("NOMOS_NOW"))
        except ValueError:
            frozen_now = None
        if frozen_now is None or frozen_now.tzinfo is None:
            msg = (
                "NOMOS_NOW must be an ISO 8601 time with offset, e.g. 2026-03-28T14:00:00+01:00, "
                f"not {value('NOMOS_NOW')!r}."
            )
            raise SettingsError(msg)

    redis_url = value("REDIS_URL")
    if redis_url and not redis_url.startswith(REDIS_URL_SCHEMES):
        msg = f"REDIS_URL must start with {', '.join(REDIS_URL_SCHEMES)}, e.g. redis://127.0.0.1:6379/0."
        raise SettingsError(msg)

    drain_text = value("NOMOS_DRAIN_SECONDS", "10" if production else "0")
    try:
        drain_seconds = float(drain_text)
    except ValueError:
        drain_seconds = -1.0
    if not 0 <= drain_seconds <= MAX_DRAIN_SECONDS:
        msg = f"NOMOS_DRAIN_SECONDS must be a number of seconds from 0 to {MAX_DRAIN_SECONDS}, not {drain_text!r}."
        raise SettingsError(msg)

    outbox_dir = Path(value("OUTBOX_DIR", "outbox"))
    if not outbox_dir.is_absolute():
        outbox_dir = PROJECT_ROOT / outbox_dir

    return Settings(
        environment=environment,
        database_url=value("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'nomos_portal.db'}"),
        base_domain=base_domain,
        secret_key=secret_key,
        smtp_host=value("SMTP_HOST"),
        smtp_port=smtp_port,
        smtp_user=value("SMTP_USER"),
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_security=smtp_security,
        mail_from=value("MAIL_FROM", "portal@customerportal.localhost"),
        outbox_dir=outbox_dir,
        log_level=value("LOG_LEVEL", "INFO").upper(),
        redis_url=redis_url,
        demo_mode=demo_text in ("true", "1", "yes"),
        frozen_now=frozen_now,
        drain_seconds=drain_seconds,
    )


@functools.cache
def get_settings() -> Settings:
    """Return the settings of this process, read once from the environment."""
    return load_settings()


def configure_logging(level: str) -> None:
    """Send the portal's log records to stderr at the given level; other libraries stay at WARNING."""
    portal_logger = logging.getLogger("nomos_portal")
    if not portal_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        portal_logger.addHandler(handler)
    portal_logger.setLevel(level)
    portal_logger.propagate = False
