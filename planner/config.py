"""Configuration: defaults here, then ``instance/config.py``, then ``PLANNER_*`` variables."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

DEV_SECRET_KEY = "dev-only-not-secret"


class DefaultConfig:
    """Defaults that suit a single-machine install with SQLite under ``instance/``."""

    SECRET_KEY = DEV_SECRET_KEY
    DATABASE_URL: str | None = None  # None: sqlite:///<instance>/planner.sqlite3
    ENCRYPTION_KEY: str | None = None  # None: generated once into instance/encryption.key
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a planning session on a Sunday evening can be long
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:600000"
    LOGIN_MAX_FAILURES = 5  # password checks per email per window
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20  # password checks per client address per window
    LOGIN_FAILURE_WINDOW_SECONDS = 300
    INVITE_TTL_HOURS = 72
    ALLOW_PRIVATE_HOSTS = False
    MAX_ATTEMPTS = 5
    RETRY_BASE_SECONDS = 60
    WORKER_TICK_SECONDS = 1.0
    LEASE_SECONDS = 120  # a delivery left publishing this long by a vanished worker is recovered
    WORKER_THREADS = 8  # publishes in flight at once per worker process
    CONNECTOR_TIMEOUT_SECONDS = 15.0
    INBOX_POLL_SECONDS = 300  # how often the worker looks for new replies and mentions
    DEFAULT_TIMEZONE = "Europe/London"
    # The address people reach planner at, for links in mail and the calendar feed. Production
    # sets it; unset, it is where `planner run` / `planner web` listens (settle_base_url).
    BASE_URL: str | None = None
    # Outgoing mail; without SMTP_HOST, messages are written to instance/mail/ as .eml files.
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = True
    SMTP_FROM = "Planner <planner@localhost>"
    SMTP_TIMEOUT = 10
    # Images on posts: files under instance/media/ ("local") or an S3-compatible bucket ("s3",
    # with S3_BUCKET, S3_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY).
    MEDIA_STORAGE = "local"
    MEDIA_MAX_BYTES = 20 * 1024 * 1024
    # When the worker reads a published post's figures, counted from its publishing time; after
    # the last one it stops. Parsed and checked by engagement_schedule() at start-up.
    ENGAGEMENT_SCHEDULE = "1h,6h,24h,72h,168h"
    ENGAGEMENT_TICK_SECONDS = 60.0  # how often the worker looks for readings due
    # Read a post's link (OpenGraph tags, image) when it is saved, for Bluesky's link card.
    LINK_CARDS = True
    # {"graph.facebook.com": "http://127.0.0.1:9001", ...}: send a platform's hosts to fake
    # servers (JSON); honoured only with ALLOW_PRIVATE_HOSTS (see connectors/hosts.py).
    HOST_OVERRIDES: str | None = None
    # Developer apps for connecting channels with OAuth (see the README for registering them).
    FACEBOOK_CLIENT_ID: str | None = None  # Facebook Pages and Instagram (Facebook Login)
    FACEBOOK_CLIENT_SECRET: str | None = None
    THREADS_CLIENT_ID: str | None = None
    THREADS_CLIENT_SECRET: str | None = None
    LINKEDIN_CLIENT_ID: str | None = None
    LINKEDIN_CLIENT_SECRET: str | None = None
    GOOGLE_CLIENT_ID: str | None = None  # Google Business Profile
    GOOGLE_CLIENT_SECRET: str | None = None


# Settings whose PLANNER_* environment value is not a plain string.
_BOOL = {
    "ALLOW_PRIVATE_HOSTS",
    "SESSION_COOKIE_SECURE",
    "TESTING",
    "DEBUG",
    "SMTP_STARTTLS",
    "LINK_CARDS",
}
_INT = {
    "MAX_ATTEMPTS",
    "RETRY_BASE_SECONDS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "LOGIN_FAILURE_WINDOW_SECONDS",
    "INVITE_TTL_HOURS",
    "SMTP_PORT",
    "SMTP_TIMEOUT",
    "LEASE_SECONDS",
    "WORKER_THREADS",
    "MEDIA_MAX_BYTES",
    "MEDIA_MAX_PIXELS",
    "INBOX_POLL_SECONDS",
}
_FLOAT = {"WORKER_TICK_SECONDS", "CONNECTOR_TIMEOUT_SECONDS", "ENGAGEMENT_TICK_SECONDS"}


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read ``PLANNER_<NAME>`` variables into config keys, converting known numeric and flag keys."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("PLANNER_") or name == "PLANNER_":
            continue
        key = name.removeprefix("PLANNER_")
        if key in _BOOL:
            found[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif key in _INT:
            found[key] = int(raw)
        elif key in _FLOAT:
            found[key] = float(raw)
        else:
            found[key] = raw
    return found


def settle_base_url(config: dict[str, Any], host: str = "127.0.0.1", port: int = 5000) -> None:
    """Derive BASE_URL from the address planner listens on, unless the settings chose one.

    The factory calls this with the default address; ``planner run`` and ``planner web`` call
    it again with theirs, which replaces only a derived value, never a configured one.
    """
    if config.get("BASE_URL") and not config.get("BASE_URL_DERIVED"):
        return
    # A server listening on every interface is reached on this machine at loopback.
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    config["BASE_URL"] = f"http://{shown}:{port}"
    config["BASE_URL_DERIVED"] = True


_UNITS = {"m": 60, "h": 3600, "d": 86400}


def engagement_schedule(value: Any) -> tuple[timedelta, ...]:
    """Parse ``"1h,6h,24h"`` (units m, h, d) into growing delays; ``ValueError`` says what is wrong."""
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    text = str(value or "").strip()
    if not text:
        raise ValueError("PLANNER_ENGAGEMENT_SCHEDULE is empty: give delays like 1h,6h,24h")
    delays: list[timedelta] = []
    for part in text.split(","):
        item = part.strip().lower()
        number, unit = item[:-1], item[-1:]
        if unit not in _UNITS or not number.isdigit() or int(number) == 0:
            raise ValueError(
                f"PLANNER_ENGAGEMENT_SCHEDULE: {part.strip()!r} is not a delay like 30m, 6h or 3d"
            )
        delay = timedelta(seconds=int(number) * _UNITS[unit])
        if delays and delay <= delays[-1]:
            raise ValueError(
                f"PLANNER_ENGAGEMENT_SCHEDULE: {part.strip()!r} must come after the delay before it"
            )
        delays.append(delay)
    if len(delays) > 20:
        raise ValueError("PLANNER_ENGAGEMENT_SCHEDULE: give at most 20 delays")
    return tuple(delays)


class InsecureConfigError(RuntimeError):
    """Raised when production would run with the development secret key."""


def check_secure(config: dict[str, Any]) -> None:
    """Refuse the development secret outside debug and testing."""
    if config.get("DEBUG") or config.get("TESTING"):
        return
    if config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise InsecureConfigError(
            "Refusing to start with the development SECRET_KEY: set PLANNER_SECRET_KEY "
            "or SECRET_KEY in instance/config.py (see instance/config.example.py)."
        )
