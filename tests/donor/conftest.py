"""Donor fixtures: run recorded jobs in-process, make a pledge ready to follow, GLPI-style files."""

from __future__ import annotations

import datetime as dt

import pytest

from collecte.extensions import db as _db


def run_jobs(app) -> list[str]:
    """Run every job recorded since the last call (JOBS_MODE=record), in this process."""
    from workers.tasks import load_all

    load_all()
    from celery import current_app as celery_current

    sent = app.extensions.setdefault("collecte.sent_jobs", [])
    done = []
    while sent:
        task_name, job_id = sent.pop(0)
        _db.session.commit()
        celery_current.tasks[task_name].run(job_id)
        done.append(job_id)
    _db.session.expire_all()
    return done


@pytest.fixture
def jobs(app):
    return lambda: run_jobs(app)


def glpi_csv(rows: list[tuple[str, str, str, str, str, str]]) -> bytes:
    """A GLPI computers export: `;`-separated, cp1252, French headers, CRLF."""
    header = "Nom;Numéro de série;Fabricant;Modèle;Type;Numéro d'inventaire;Date d'achat"
    lines = [header] + [";".join((f"PC-{i}",) + row[:6]) for i, row in enumerate(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def laptop_rows(n: int, prefix: str = "SN") -> list[tuple]:
    return [(f"{prefix}{i:05d}", "Dell", "Latitude 5490", "Portable", f"INV-{prefix}{i}",
             "12/03/2019") for i in range(n)]


@pytest.fixture
def pledge_form():
    today = dt.date.today()
    return {"items": {"laptop": 2, "smartphone": 1}, "pickup_address": "1 rue de la Paix, Évry",
            "contact_name": "Camille Martin", "contact_email": "camille@donateur.example",
            "window_start": (today + dt.timedelta(days=7)).isoformat(),
            "window_end": (today + dt.timedelta(days=21)).isoformat()}


@pytest.fixture
def signup_app(app):
    return app
