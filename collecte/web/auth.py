"""Log in and out; how Flask-Login finds the user of a session or a bearer token."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..domain.models import User
from ..extensions import db, limiter
from ..services import users
from .forms import LoginForm
from .i18n import safe_next

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user and user.is_active else None


def load_user_from_bearer(req) -> users.Caller | None:
    """Bearer tokens authenticate API calls only (scanners, integrations); pages need the
    session cookie. The caller is a row, not an ORM User: see users.Caller."""
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer ") and req.path.startswith("/api/"):
        return users.caller_for_token(header.removeprefix("Bearer ").strip())
    return None


def unauthorized():
    if request.path.startswith("/api/"):
        from flask import abort

        abort(401, "Connectez-vous, ou envoyez un jeton : Authorization: Bearer <jeton>.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"],
               error_message="Trop de tentatives de connexion : réessayez dans une minute.")
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(safe_next(form.next.data, url_for("main.home")))
        form.password.errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
