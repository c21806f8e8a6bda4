"""Public signup of a donor organisation (company or municipality) and its first user."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from ..errors import DomainError, translated
from ..extensions import limiter
from ..services import organisations as org_service
from .donor_forms import SignupForm

bp = Blueprint("signup", __name__)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"],
               error_message="Trop d'inscriptions depuis cette adresse : réessayez plus tard.")
def index():
    form = SignupForm()
    if form.validate_on_submit():
        data = org_service.Signup(**{name: (form[name].data or "") for name in (
            "kind", "name", "siret", "insee_code", "department_code", "user_name", "email",
            "password")})
        try:
            user = org_service.signup(data)
        except DomainError as error:
            for name, messages in error.messages.items():
                if name in form:
                    form[name].errors = list(form[name].errors) + list(messages)
            if not any(name in form for name in error.errors):
                flash(translated(error), "error")
        else:
            login_user(user)
            flash(_("Votre compte est créé. Un gestionnaire va valider votre organisation."),
                  "success")
            return redirect(url_for("donor.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("signup/index.html", form=form), status
