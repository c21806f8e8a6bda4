"""Pages: administration home, the mail outbox, and editing user accounts."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from ..domain.models import OutboxMail
from ..errors import Conflict, Invalid, translated
from ..extensions import db
from ..services import users as user_service
from .forms import UserForm
from .helpers import require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@login_required
def index():
    require_role("admin")
    links = [(endpoint, label) for endpoint, label in (
        ("admin.outbox", "Courriels envoyés (boîte d'envoi)"),
        ("admin.users", "Comptes des utilisateurs"),
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


ROLE_LABELS = {"donor": _l("Donateur"), "technician": _l("Technicien"),
               "social_worker": _l("Travailleur social"), "manager": _l("Responsable"),
               "admin": _l("Administrateur")}


@bp.get("/users")
@login_required
def users():
    """The accounts the acting manager (its organisation's) or admin (everyone's) may edit."""
    user = require_role("manager")
    return render_template("admin/users.html", people=user_service.managed_users(user),
                           roles=ROLE_LABELS)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id: int):
    actor = require_role("manager")
    target = user_service.get_managed_user(actor, user_id)
    form = UserForm(obj=target)
    form.role.choices = [(r, ROLE_LABELS[r]) for r in ROLE_LABELS
                         if r != "admin" or actor.role == "admin"]
    if form.validate_on_submit():
        try:
            user_service.update_user(actor, user_id, user_service.UserChanges(
                name=form.name.data or "", email=form.email.data, role=form.role.data,
                is_active=form.is_active.data))
        except Invalid as error:
            for name, messages in error.messages.items():
                getattr(form, name).errors = [*getattr(form, name).errors, *messages]
        except Conflict as error:
            flash(translated(error), "error")
        else:
            flash(_("Le compte est modifié."), "success")
            return redirect(url_for("admin.users"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user.html", form=form, person=target), status
