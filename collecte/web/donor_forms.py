"""Forms of the donor pages, the manager's pledge decisions and the public signup."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..domain.models import DeviceKind
from .forms import finite_number

KIND_FIELDS = [(k.value, k.label) for k in DeviceKind]


class PledgeForm(FlaskForm):
    laptop = IntegerField(_l("Ordinateurs portables"), default=0,
                          validators=[Optional(), NumberRange(min=0, max=100_000)])
    desktop = IntegerField(_l("Ordinateurs fixes"), default=0,
                           validators=[Optional(), NumberRange(min=0, max=100_000)])
    tablet = IntegerField(_l("Tablettes"), default=0,
                          validators=[Optional(), NumberRange(min=0, max=100_000)])
    smartphone = IntegerField(_l("Smartphones"), default=0,
                              validators=[Optional(), NumberRange(min=0, max=100_000)])
    monitor = IntegerField(_l("Écrans"), default=0,
                           validators=[Optional(), NumberRange(min=0, max=100_000)])
    other = IntegerField(_l("Autres appareils"), default=0,
                         validators=[Optional(), NumberRange(min=0, max=100_000)])
    pickup_address = TextAreaField(_l("Adresse d'enlèvement"),
                                   validators=[DataRequired(), Length(max=2000)])
    contact_name = StringField(_l("Personne à contacter"),
                               validators=[DataRequired(), Length(max=200)])
    contact_phone = StringField(_l("Téléphone du contact"), validators=[Optional(),
                                                                         Length(max=40)])
    contact_email = EmailField(_l("E-mail du contact"),
                               validators=[DataRequired(), Email(), Length(max=254)])
    window_start = DateField(_l("Enlèvement possible à partir du"), validators=[Optional()])
    window_end = DateField(_l("Enlèvement possible jusqu'au"), validators=[Optional()])
    council_decision_ref = StringField(_l("Référence de la délibération (communes)"),
                                       validators=[Optional(), Length(max=200)])
    declared_value = DecimalField(_l("Valeur déclarée en euros (facultatif)"), places=2,
                                  validators=[Optional(), finite_number,
                                              NumberRange(min=0, max=1_000_000_000)])
    notes = TextAreaField(_l("Remarques"), validators=[Optional(), Length(max=5000)])

    def items(self) -> dict[str, int]:
        return {k: int(getattr(self, k).data or 0) for k, _ in KIND_FIELDS}


class UploadForm(FlaskForm):
    file = FileField(_l("Fichier d'inventaire (CSV, XLSX ou ODS, 50 Mo au plus)"),
                     validators=[FileRequired()])


class ConfirmImportForm(FlaskForm):
    default_kind = SelectField(_l("Type à utiliser quand la colonne Type est vide"),
                               choices=[("", _l("Aucun : refuser la ligne"))] + KIND_FIELDS,
                               validators=[Optional()])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Raison (obligatoire pour un refus)"),
                           validators=[Optional(), Length(max=2000)])
    operator_id = SelectField(_l("Atelier qui prend en charge le don"), coerce=int,
                              validators=[Optional()], choices=[])


class ScheduleForm(FlaskForm):
    pickup_at = DateTimeLocalField(_l("Date et heure d'enlèvement (heure de Paris)"),
                                   format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


class SignupForm(FlaskForm):
    kind = RadioField(_l("Vous êtes"), choices=[
        ("donor_company", _l("Une entreprise")),
        ("donor_municipality", _l("Une commune ou une intercommunalité"))],
        default="donor_company", validators=[DataRequired()])
    name = StringField(_l("Nom de l'organisation"), validators=[DataRequired(), Length(max=200)])
    siret = StringField(_l("SIRET (entreprises, 14 chiffres)"), validators=[Optional(),
                                                                           Length(max=20)])
    insee_code = StringField(_l("Code INSEE de la commune ou SIREN de l'intercommunalité"),
                             validators=[Optional(), Length(max=9)])
    department_code = StringField(_l("Département (par exemple 91)"),
                                  validators=[Optional(), Length(max=3)])
    user_name = StringField(_l("Votre nom"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(),
                                                         Length(max=254)])
    password = PasswordField(_l("Mot de passe (10 caractères au moins)"),
                             validators=[DataRequired(), Length(min=10, max=200)])
