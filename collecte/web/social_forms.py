"""Forms of the social workers' and allocation pages (Flask-WTF: CSRF token included)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..domain.models.devices import KIND_LABELS
from ..domain.queue import URGENCIES
from ..services.beneficiaries import ACCESSIBILITY_NEEDS, HOUSEHOLD_CATEGORIES, criteria
from ..services.requests import PURPOSES


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BeneficiaryForm(FlaskForm):
    reference = StringField(_l("Référence (un pseudonyme, jamais le nom)"),
                            validators=[DataRequired(), Length(max=60)])
    commune_code = StringField(_l("Code INSEE de la commune"), validators=[
        DataRequired(), Regexp(r"^(\d{5}|2[AB]\d{3})$", message=_l("5 caractères, "
                                                                   "par exemple 91228."))])
    household_category = SelectField(_l("Situation du foyer"), validators=[Optional()])
    accessibility_needs = CheckboxesField(_l("Besoins d'accessibilité"),
                                          validators=[Optional()])
    eligibility_criterion = SelectField(_l("Critère d'éligibilité"),
                                        validators=[DataRequired()])
    eligibility_other = StringField(_l("Autre critère (un mot)"),
                                    validators=[Optional(), Length(max=100)])
    attested_at = DateField(_l("Date de l'attestation"), validators=[DataRequired()],
                            default=dt.date.today)
    eligible_until = DateField(_l("Valable jusqu'au"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.household_category.choices = [("", gettext("— Non précisée —"))] + [
            (k, gettext(v)) for k, v in HOUSEHOLD_CATEGORIES.items()]
        self.accessibility_needs.choices = [(k, gettext(v))
                                            for k, v in ACCESSIBILITY_NEEDS.items()]
        self.eligibility_criterion.choices = [(k, gettext(v)) for k, v in criteria().items()]


class RequestForm(FlaskForm):
    beneficiary_id = SelectField(_l("Bénéficiaire"), coerce=int, validators=[DataRequired()])
    device_kind = SelectField(_l("Appareil demandé"), validators=[DataRequired()])
    purpose = SelectField(_l("Pour quoi faire"), validators=[DataRequired()])
    urgency = RadioField(_l("Urgence"), validators=[DataRequired()], default="standard")
    notes = TextAreaField(_l("Remarques (facultatif, sans donnée sensible)"),
                          validators=[Optional(), Length(max=2000)])

    def __init__(self, beneficiaries, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.beneficiary_id.choices = [(b.id, b.reference) for b in beneficiaries]
        self.device_kind.choices = [(k.value, gettext(v)) for k, v in KIND_LABELS.items()]
        self.purpose.choices = [(k, gettext(v)) for k, v in PURPOSES.items()]
        self.urgency.choices = [(u.code, f"{gettext(u.label)} — {gettext(u.meaning)}")
                                for u in URGENCIES]


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Raison du refus"), validators=[DataRequired(), Length(max=2000)])


class ContestForm(FlaskForm):
    note = TextAreaField(_l("Pourquoi contestez-vous ce refus ?"),
                         validators=[DataRequired(), Length(max=2000)])


class ReviewForm(FlaskForm):
    decision = RadioField(_l("Décision"), validators=[DataRequired()])
    note = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import gettext

        self.decision.choices = [("approve", gettext("Approuver la demande")),
                                 ("reject", gettext("Confirmer le refus"))]


class ReserveForm(FlaskForm):
    code = StringField(_l("Code de l'appareil à réserver"),
                       validators=[DataRequired(), Length(max=300)])


class HandoverForm(FlaskForm):
    pickup_code = StringField(_l("Code de retrait"), validators=[DataRequired(),
                                                                 Length(max=20)])


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF token."""
