"""Forms of the workshop pages: scan station, diagnosis, erasure, reset, functional check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.stages import GRADES, Stage
from ..services.workshop import CHECK_ITEMS, DEFECTS, LEVELS, MEDIUM_TYPES, TECHNIQUES

TRANSFER = "transfer"
# The station's actions, in workshop order: a stage to scan to, or a change of site.
SCAN_ACTIONS = (Stage.RECEIVED, Stage.DIAGNOSED, Stage.WIPED, Stage.REFURBISHED, Stage.CHECKED,
                Stage.READY, Stage.PARTS, Stage.RECYCLED)


def action_label(action: str) -> str:
    from flask_babel import gettext

    if action == TRANSFER:
        return gettext("Changer de site")
    return gettext(Stage(action).label)


class ScanForm(FlaskForm):
    action = SelectField(_l("Action à enregistrer"), validators=[DataRequired()])
    site_id = SelectField(_l("Site de destination (pour « Changer de site »)"), coerce=int,
                          validators=[Optional()], validate_choice=False)
    note = StringField(_l("Raison ou note (obligatoire pour pièces détachées et recyclage)"),
                       validators=[Optional(), Length(max=2000)])
    code = StringField(_l("Code de l'appareil"), validators=[DataRequired(), Length(max=300)])
    client_event_id = HiddenField(validators=[Optional(), Length(min=8, max=64)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MediumForm(FlaskForm):
    class Meta:
        csrf = False

    medium_type = SelectField(_l("Type de support"), validators=[Optional()],
                              choices=[("", _l("— aucun —"))] + list(MEDIUM_TYPES.items()))
    capacity_gb = IntegerField(_l("Capacité (Go)"), validators=[Optional(),
                                                              NumberRange(min=1, max=100_000)])
    serial = StringField(_l("Numéro de série du support"), validators=[Optional(), Length(max=100)])


class DiagnosisForm(FlaskForm):
    cpu = StringField(_l("Processeur"), validators=[Optional(), Length(max=200)])
    ram_gb = IntegerField(_l("Mémoire vive (Go)"), validators=[Optional(),
                                                             NumberRange(min=1, max=4096)])
    media = FieldList(FormField(MediumForm), min_entries=2, max_entries=4)
    defects = MultiCheckboxField(_l("Défauts constatés"), choices=list(DEFECTS.items()),
                                 validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


def erasure_form_class(media):
    """An erasure form with a level and a verification for each listed medium."""

    class ErasureForm(FlaskForm):
        technique = SelectField(_l("Technique d'effacement"),
                                choices=[("", _l("— choisir —"))] + list(TECHNIQUES.items()),
                                validators=[InputRequired(_l("Choisissez la technique."))])
        tool = StringField(_l("Outil (par exemple nwipe, Blancco, ShredOS)"),
                           validators=[DataRequired(_l("Indiquez l'outil.")), Length(max=100)])
        tool_version = StringField(_l("Version de l'outil"),
                                   validators=[DataRequired(_l("Indiquez la version.")),
                                               Length(max=50)])

    for medium in media:
        setattr(ErasureForm, f"level_{medium.id}", SelectField(
            _l("Niveau atteint"), choices=[("", _l("— choisir —"))] + list(LEVELS.items()),
            validators=[Optional()]))
        setattr(ErasureForm, f"verification_{medium.id}", SelectField(
            _l("Vérification"), choices=[("", _l("— choisir —")), ("passed", _l("Réussie")),
                                         ("failed", _l("Échouée"))], validators=[Optional()]))
    return ErasureForm


class ResetForm(FlaskForm):
    factory_reset = BooleanField(_l("Réinitialisation d'usine faite"))
    activation_lock_released = BooleanField(
        _l("Verrou d'activation (compte Apple / Google) et gestion MDM retirés"))


class CheckForm(FlaskForm):
    items = MultiCheckboxField(_l("Points vérifiés et fonctionnels"),
                               choices=list(CHECK_ITEMS.items()), validators=[Optional()])
    grade = RadioField(_l("Grade"), choices=[(g, g) for g in GRADES],
                       validators=[InputRequired(_l("Choisissez le grade A, B ou C."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
