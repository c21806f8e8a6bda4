"""Workshop record schemas: diagnosis, erasure, reset, functional check, site transfer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...domain.stages import GRADES
from ...services.workshop import CHECK_ITEMS, DEFECTS, LEVELS, MEDIUM_TYPES, TECHNIQUES
from .devices import StrictSchema
from .fields import UtcDateTime


def _operator(record):
    op = getattr(record, "operator", None)
    return (op.name or op.email) if op else None


class MediumIn(StrictSchema):
    medium_type = fields.Str(required=True, validate=validate.OneOf(list(MEDIUM_TYPES)))
    serial = fields.Str(allow_none=True, validate=validate.Length(max=100))
    capacity_gb = fields.Int(allow_none=True, validate=validate.Range(min=1, max=100_000))


class MediumOut(Schema):
    id = fields.Int()
    medium_type = fields.Str()
    serial = fields.Str(allow_none=True)
    capacity_gb = fields.Int(allow_none=True)


class DiagnosisIn(StrictSchema):
    cpu = fields.Str(allow_none=True, validate=validate.Length(max=200))
    ram_gb = fields.Int(allow_none=True, validate=validate.Range(min=1, max=4096))
    media = fields.List(fields.Nested(MediumIn), load_default=list,
                        metadata={"description": "Storage media found; added to those listed."})
    defects = fields.List(fields.Str(validate=validate.OneOf(list(DEFECTS))), load_default=list)
    note = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class DiagnosisOut(Schema):
    id = fields.Int()
    defects = fields.List(fields.Str())
    note = fields.Str(allow_none=True)
    created_at = UtcDateTime()


class DiagnosisPageOut(Schema):
    cpu = fields.Str(allow_none=True)
    ram_gb = fields.Int(allow_none=True)
    media = fields.List(fields.Nested(MediumOut))
    diagnoses = fields.List(fields.Nested(DiagnosisOut))


class ErasureEntryIn(StrictSchema):
    medium_id = fields.Int(required=True)
    level = fields.Str(required=True, validate=validate.OneOf(list(LEVELS)),
                       metadata={"description": "purge or destroy; clear is refused."})
    verification = fields.Str(required=True, validate=validate.OneOf(["passed", "failed"]))


class ErasuresIn(StrictSchema):
    technique = fields.Str(required=True, validate=validate.OneOf(list(TECHNIQUES)))
    tool = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    tool_version = fields.Str(required=True, validate=validate.Length(min=1, max=50))
    performed_at = fields.AwareDateTime(allow_none=True)
    erasures = fields.List(fields.Nested(ErasureEntryIn), required=True,
                           metadata={"description": "One per medium not yet erased."})


class ErasureOut(Schema):
    id = fields.Int()
    medium_id = fields.Int()
    level = fields.Str()
    technique = fields.Str()
    tool = fields.Str()
    tool_version = fields.Str()
    verification = fields.Str()
    operator = fields.Function(_operator)
    performed_at = UtcDateTime()


class ResetIn(StrictSchema):
    factory_reset = fields.Bool(required=True)
    activation_lock_released = fields.Bool(required=True)


class ResetOut(Schema):
    id = fields.Int()
    factory_reset = fields.Bool()
    activation_lock_released = fields.Bool()
    performed_at = UtcDateTime()


class CheckIn(StrictSchema):
    checklist = fields.Dict(keys=fields.Str(validate=validate.OneOf(list(CHECK_ITEMS))),
                            values=fields.Bool(), required=True,
                            metadata={"description": f"Items: {', '.join(CHECK_ITEMS)}; "
                                                     "a missing item counts as failed."})
    grade = fields.Str(required=True, validate=validate.OneOf(list(GRADES)))
    note = fields.Str(allow_none=True, validate=validate.Length(max=2000))


class CheckOut(Schema):
    id = fields.Int()
    checklist = fields.Dict(keys=fields.Str(), values=fields.Bool())
    passed = fields.Bool()
    grade = fields.Str()
    note = fields.Str(allow_none=True)
    created_at = UtcDateTime()


class TransferIn(StrictSchema):
    code = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    site_id = fields.Int(required=True)
    client_event_id = fields.Str(required=True, validate=validate.Length(min=8, max=64))
    occurred_at = fields.AwareDateTime(allow_none=True)
