"""What the fault tests share: fresh reads of a job, bulk devices, a scanner thread."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from sqlalchemy import insert, select

from collecte.domain.codes import new_code
from collecte.domain.models import Device, Job
from collecte.extensions import db


def job_row(job_id: str) -> Job:
    """The job as the database has it now (objects outlive commits in this app)."""
    db.session.rollback()
    db.session.expire_all()
    row = db.session.get(Job, job_id)
    db.session.rollback()
    return row


def many_devices(world, n: int, stage: str = "received") -> list[Device]:
    """`n` devices of the world's workshop, inserted in bulk."""
    now = dt.datetime.now(dt.UTC)
    rows = [{"code": new_code(), "kind": "laptop", "make": "Lenovo", "model": "T480",
             "serial": f"BULK{i:06d}-{uuid.uuid4().hex[:6]}", "stage": stage,
             "stage_changed_at": now, "operator_id": world.operator.id,
             "site_id": world.site.id, "version": 1, "created_at": now} for i in range(n)]
    db.session.execute(insert(Device), rows)
    db.session.commit()
    return list(db.session.scalars(select(Device).where(Device.serial.like("BULK%"))
                                   .order_by(Device.id)))


@dataclass
class Scanner:
    """Scans devices one after another through a live server, like a scan station: a 503 or a
    dropped connection is retried with the same client event id until it is accepted."""

    base_url: str
    token: str
    codes: list[str]
    to: str = "diagnosed"
    accepted: dict[str, int] = field(default_factory=dict)  # event id → 200/201
    statuses: list[int] = field(default_factory=list)
    unavailable: list[requests.Response] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def _run(self) -> None:
        for code in self.codes:
            if self.stop.is_set():
                return
            event_id = str(uuid.uuid4())
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    response = self.session.post(
                        f"{self.base_url}/api/v1/scans", timeout=15,
                        json={"code": code, "to": self.to, "client_event_id": event_id})
                except requests.RequestException as exc:
                    self.errors.append(repr(exc))
                    time.sleep(0.2)
                    continue
                self.statuses.append(response.status_code)
                if response.status_code in (200, 201):
                    self.accepted[event_id] = response.status_code
                    break
                if response.status_code == 503:
                    self.unavailable.append(response)
                    time.sleep(0.2)
                    continue
                self.errors.append(f"{response.status_code}: {response.text[:300]}")
                break
            else:
                self.errors.append(f"{code}: never accepted")

    def __enter__(self) -> Scanner:
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.thread.join(timeout=120)
        return False

    def wait_accepted(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count and self.thread.is_alive():
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(self.accepted)} scans accepted, {self.errors[-3:]}")
            time.sleep(0.05)
