"""`make run` for real, in a folder of its own: broker, gunicorn, worker and beat under honcho.

Used by the embedded default's tests (tests/workers/test_make_run.py) and benchmarks
(benchmarks/jobs_roundtrip.py, benchmarks/embedded_session.py). The run's data folder is a short
temporary path (the broker's Unix socket path must stay under ~100 characters), its web server
listens on a free loopback port, and stop() ends every process it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedRun:
    def __init__(self, *, demo_devices: int = 200, settings: dict | None = None):
        self.data_dir = Path(tempfile.mkdtemp(prefix="cr-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.data_dir / "make-run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTE_")}
        env.update({"COLLECTE_DATA_DIR": str(self.data_dir),
                    "COLLECTE_BIND": f"127.0.0.1:{self.port}",
                    "COLLECTE_PUBLIC_URL": self.url,
                    "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                    **{f"COLLECTE_{k}": str(v) for k, v in (settings or {}).items()}})
        self.env = env
        self.demo_devices = demo_devices
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "flask"), "--app", "collecte", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)}: {done.stderr[-3000:]}")
        return done.stdout

    def start(self, timeout: float = 120) -> EmbeddedRun:
        """`make run`: migrate, seed the demo, then honcho starts the four processes."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make run ended ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=3).status_code == 200:
                    return self
            time.sleep(0.5)
        raise TimeoutError(f"make run not healthy within {timeout} s:\n{self.log()}")

    def token(self, email: str) -> str:
        return self.flask("token", "create", email).strip().splitlines()[-1]

    def pids(self, needle: str) -> list[int]:
        """Processes of this run whose command line contains `needle` (e.g. ' worker ')."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            # valkey-server rewrites its title over its environment: its socket path says it.
            ours = (f"COLLECTE_DATA_DIR={self.data_dir}".encode() in environ
                    or str(self.data_dir) in cmdline)
            if needle in cmdline and ours and "/bin/sh" not in cmdline:
                found.append(int(entry.name))
        return sorted(found)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]

    def stop(self) -> int | None:
        """Ctrl-C, as a person would; then make sure nothing of the run is left."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGINT)
                try:
                    self.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=30)
            code = self.process.returncode
        for pid in self.pids(""):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return code
