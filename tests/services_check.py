"""Is PostgreSQL / Redis / Chromium here? Tests that need one skip without it, except on CI
(CI=true), where a missing service is a failure."""

from __future__ import annotations

import functools
import os
import shutil
import socket

import pytest

PG_URL = os.environ.get("COLLECTE_TEST_PG_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("COLLECTE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("COLLECTE_CHROMIUM", "/usr/bin/chromium")
ON_CI = os.environ.get("CI", "").lower() == "true"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@functools.cache
def postgres_available() -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    return _port_open(url.host or "127.0.0.1", url.port or 5432)


@functools.cache
def redis_available() -> bool:
    from urllib.parse import urlparse

    url = urlparse(REDIS_URL)
    return _port_open(url.hostname or "127.0.0.1", url.port or 6379)


@functools.cache
def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)


def require(name: str, available: bool) -> None:
    if available:
        return
    message = f"{name} is not available"
    if ON_CI:
        pytest.fail(f"{message}, and CI=true: CI must run this test.", pytrace=False)
    pytest.skip(message)
