"""The user's own page: who they are, and their bearer tokens for scanners and integrations."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..services import users
from .forms import TokenForm
from .helpers import acting_user

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    user = acting_user()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = users.create_token(user, form.name.data)
        form = TokenForm(formdata=None)
    return render_template("account.html", form=form, tokens=users.list_tokens(user),
                           new_token=new_token)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    users.revoke_token(acting_user(), token_id)
    flash(_("Le jeton est révoqué."), "success")
    return redirect(url_for("account.index"))
