"""Forms of the label pages: print a batch, printer profiles, receive, register a device."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..domain.models import DeviceKind
from .forms import finite_number

FORMAT_CHOICES = [("pdf", _l("PDF (planches et rouleaux)")), ("png", _l("Images PNG (archive ZIP)")),
                  ("zpl", _l("ZPL (imprimante Zebra)"))]


class LabelOptionsForm(FlaskForm):
    """What every printing form shares: stock, printer, first position, output format."""

    layout = SelectField(_l("Modèle d'étiquettes"), validators=[DataRequired()])
    profile_id = SelectField(_l("Imprimante (profil de décalage)"), coerce=str,
                             validators=[Optional()])
    start_at = IntegerField(_l("Commencer à la position"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=999)])
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="pdf")


class PrintForm(LabelOptionsForm):
    codes = TextAreaField(_l("Codes des appareils"),
                          validators=[DataRequired(), Length(max=1_500_000)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Nom de l'imprimante"), validators=[DataRequired(), Length(max=100)])
    layout_id = SelectField(_l("Modèle d'étiquettes"), validators=[DataRequired()])
    offset_x_mm = DecimalField(_l("Décalage horizontal (mm, positif vers la droite)"), default=0,
                               places=1, validators=[InputRequired(), finite_number,
                                                   NumberRange(-20, 20)])
    offset_y_mm = DecimalField(_l("Décalage vertical (mm, positif vers le bas)"), default=0,
                               places=1, validators=[InputRequired(), finite_number,
                                                   NumberRange(-20, 20)])


class ReceiveForm(LabelOptionsForm):
    codes = SelectMultipleField(_l("Appareils reçus"), validators=[DataRequired()])
    print_labels = BooleanField(_l("Imprimer leurs étiquettes maintenant"), default=True)


class RegisterForm(LabelOptionsForm):
    kind = SelectField(_l("Type"), choices=[(k.value, _l(k.label)) for k in DeviceKind])
    make = StringField(_l("Marque"), validators=[Optional(), Length(max=100)])
    model = StringField(_l("Modèle"), validators=[Optional(), Length(max=200)])
    serial = StringField(_l("Numéro de série"), validators=[Optional(), Length(max=100)])
    asset_tag = StringField(_l("Numéro d'inventaire du donateur (facultatif)"),
                            validators=[Optional(), Length(max=100)])
    donor_id = SelectField(_l("Donateur (facultatif)"), coerce=str, validators=[Optional()])
    print_labels = BooleanField(_l("Imprimer son étiquette maintenant"), default=True)
