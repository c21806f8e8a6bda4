"""Forms of the core pages (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation


def finite_number(form, field) -> None:
    """DecimalField reads "NaN", "sNaN" and "Infinity" as numbers; comparing a signalling NaN
    (NumberRange) raises, storing infinity makes no sense: refuse them before the range."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Indiquez un nombre."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    next = HiddenField()


class MoveForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])
    client_event_id = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])
    note = TextAreaField(_l("Note (obligatoire pour pièces, recyclage ou perte)"),
                         validators=[Optional(), Length(max=2000)])


class TokenForm(FlaskForm):
    name = StringField(_l("Nom du jeton (par exemple : douchette atelier 2)"),
                       validators=[DataRequired(), Length(max=100)])


class UserForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Rôle"), validators=[DataRequired()])
    is_active = BooleanField(_l("Compte actif"))
