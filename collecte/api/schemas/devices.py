"""Device and scan schemas."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ...converters import MAX_ID
from ...domain.stages import Stage, allowed_next
from .fields import UtcDateTime


class StrictSchema(Schema):
    """Unknown fields are refused (422 naming them), never silently dropped; integers must fit
    the database's columns (a larger id would overflow the driver: a 500, not a 422)."""

    class Meta:
        unknown = "raise"

    @validates_schema
    def _values_fit_the_database(self, data, **kwargs):
        """Integers within the columns' range; text without NUL characters or lone UTF-16
        surrogates (PostgreSQL refuses both: a 500 instead of a 422 naming the field)."""
        errors = {}
        for name, value in data.items():
            field = self.fields.get(name)
            key = (field.data_key if field else None) or name
            if isinstance(value, int) and not isinstance(value, bool) \
                    and not -MAX_ID - 1 <= value <= MAX_ID:
                errors[key] = [f"Nombre hors limites (au plus {MAX_ID})."]
            texts = value if isinstance(value, list | tuple) else [value]
            if any(isinstance(t, str) and not _storable(t) for t in texts):
                errors[key] = ["Caractère interdit (NUL ou caractère UTF-16 isolé)."]
        if errors:
            raise ValidationError(errors)


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class SiteOut(Schema):
    id = fields.Int()
    name = fields.Str()
    department_code = fields.Str()


def _actor_name(event) -> str | None:
    """Who moved the device, except for donors: they follow devices, not workshop staff."""
    from flask_login import current_user

    if event.actor is None or getattr(current_user, "role", None) == "donor":
        return None
    return event.actor.name or event.actor.email


class EventOut(Schema):
    id = fields.Int()
    from_stage = fields.Str(allow_none=True)
    to_stage = fields.Str()
    occurred_at = UtcDateTime()
    recorded_at = UtcDateTime()
    actor = fields.Function(_actor_name)
    site_id = fields.Int(allow_none=True)
    note = fields.Str(allow_none=True)
    client_event_id = fields.Str(allow_none=True)


class DeviceOut(Schema):
    code = fields.Str(attribute="printed_code", metadata={"example": "7K3M-9QXT-H"})
    url = fields.Function(lambda d: f"{current_app.config['PUBLIC_URL']}/d/{d.code}")
    kind = fields.Str()
    make = fields.Str()
    model = fields.Str()
    serial = fields.Str(allow_none=True)
    asset_tag = fields.Str(allow_none=True)
    grade = fields.Str(allow_none=True)
    stage = fields.Str()
    stage_changed_at = UtcDateTime()
    allowed_next = fields.Function(lambda d: [s.value for s in allowed_next(Stage(d.stage))])
    site = fields.Nested(SiteOut, allow_none=True)
    pledge_id = fields.Int(allow_none=True)


class DeviceDetailOut(DeviceOut):
    history = fields.List(fields.Nested(EventOut))


class DevicePageOut(Schema):
    items = fields.List(fields.Nested(DeviceOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()


class DeviceQueryIn(StrictSchema):
    stage = fields.Str(validate=validate.OneOf([s.value for s in Stage]))
    kind = fields.Str()
    site = fields.Int(data_key="site")
    pledge = fields.Int()
    page = fields.Int(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))


class ScanIn(StrictSchema):
    code = fields.Str(required=True, validate=validate.Length(min=1, max=300),
                      metadata={"description": "The device code (any case, dashes optional) "
                                               "or the URL read from its QR code."})
    to = fields.Str(required=True, validate=validate.OneOf([s.value for s in Stage]))
    client_event_id = fields.Str(required=True, validate=validate.Length(min=8, max=64),
                                 metadata={"description": "A UUID made by the client; "
                                                          "sending it again changes nothing."})
    note = fields.Str(validate=validate.Length(max=2000), allow_none=True)
    site_id = fields.Int(allow_none=True)
    occurred_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "When the scan happened, for scans queued offline."})
