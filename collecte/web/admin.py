"""Pages: administration home and the mail outbox (what was queued, sent, or written to disk)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_login import login_required
from sqlalchemy import select

from ..domain.models import OutboxMail
from ..extensions import db
from .helpers import require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@login_required
def index():
    require_role("admin")
    links = [(endpoint, label) for endpoint, label in (
        ("admin.outbox", "Courriels envoyés (boîte d'envoi)"),
        ("donor.manage", "Promesses de don et donateurs à valider"),
        ("manager.index", "Tableau de bord"),
    ) if endpoint in current_app.view_functions]
    return render_template("admin/index.html", links=links)


@bp.get("/outbox")
@login_required
def outbox():
    """The last mails of the outbox; in the embedded default they are .eml files in
    DATA_DIR/mail, shown here so that nobody needs a mail server to see them."""
    require_role("admin")
    mails = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(200)))
    folder = Path(current_app.config["DATA_DIR"]) / "mail"
    files = {m.id: (folder / f"{m.id:08d}.eml").exists() for m in mails}
    return render_template("admin/outbox.html", mails=mails, files=files,
                           smtp=bool(current_app.config.get("MAIL_SERVER")), folder=str(folder))
