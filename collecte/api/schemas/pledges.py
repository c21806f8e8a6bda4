"""Pledge, follow-up and document schemas."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from ...domain import pledges as rules
from ...domain.models import DeviceKind, DocumentKind
from .devices import StrictSchema
from .fields import UtcDateTime

KINDS = [k.value for k in DeviceKind]


class PledgeIn(StrictSchema):
    items = fields.Dict(keys=fields.Str(validate=validate.OneOf(KINDS)),
                        values=fields.Int(validate=validate.Range(min=0, max=100_000)),
                        load_default=dict, metadata={"example": {"laptop": 3}})
    pickup_address = fields.Str(load_default="", validate=validate.Length(max=2000))
    contact_name = fields.Str(load_default="", validate=validate.Length(max=200))
    contact_phone = fields.Str(load_default="", validate=validate.Length(max=40))
    contact_email = fields.Email(load_default="", validate=validate.Length(max=254))
    window_start = fields.Date(allow_none=True, load_default=None)
    window_end = fields.Date(allow_none=True, load_default=None)
    council_decision_ref = fields.Str(allow_none=True, load_default=None,
                                      validate=validate.Length(max=200))
    declared_value = fields.Float(allow_none=True, load_default=None,
                                  validate=validate.Range(min=0))
    notes = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=5000))
    submit = fields.Bool(load_default=False, metadata={"description": "Submit at once."})


class PledgeQueryIn(StrictSchema):
    status = fields.Str(validate=validate.OneOf([s.value for s in rules.Status]),
                        metadata={"description": "Only the pledges in this status."})


class PledgeOut(Schema):
    id = fields.Int()
    status = fields.Str()
    donor_id = fields.Int()
    donor_name = fields.Function(lambda p: p.donor.name)
    operator_id = fields.Int(allow_none=True)
    items = fields.Dict()
    device_count = fields.Int()
    pickup_address = fields.Str()
    contact_name = fields.Str()
    contact_phone = fields.Str()
    contact_email = fields.Str()
    window_start = fields.Date(allow_none=True)
    window_end = fields.Date(allow_none=True)
    pickup_at = UtcDateTime(allow_none=True)
    council_decision_ref = fields.Str(allow_none=True)
    declared_value = fields.Float(allow_none=True)
    decline_reason = fields.Str(allow_none=True)
    created_at = UtcDateTime()
    allowed_next = fields.Function(
        lambda p: [s.value for s in rules.allowed_next(rules.Status(p.status))])


class PledgeListOut(Schema):
    items = fields.List(fields.Nested(PledgeOut))
    total = fields.Int()


class TransitionIn(StrictSchema):
    reason = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    pickup_at = fields.AwareDateTime(allow_none=True, load_default=None)
    operator_id = fields.Int(allow_none=True, load_default=None)


class FollowUpOut(Schema):
    code = fields.Str()
    kind = fields.Str()
    make = fields.Str()
    model = fields.Str()
    serial = fields.Str(allow_none=True)
    asset_tag = fields.Str(allow_none=True)
    stage = fields.Str()
    outcome = fields.Str(metadata={"description": "expected, received, ready, reused, parts, "
                                                  "recycled or not_received"})
    reason_code = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    stage_changed_at = UtcDateTime()


class DocumentIn(StrictSchema):
    kind = fields.Str(required=True, validate=validate.OneOf([k.value for k in DocumentKind]))


class DocumentOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    number = fields.Str()
    pledge_id = fields.Int(allow_none=True)
    year = fields.Int(allow_none=True)
    state = fields.Function(lambda d: "issued" if d.sha256 else "pending")
    sha256 = fields.Str(allow_none=True)
    issued_at = UtcDateTime(allow_none=True)
    supersedes_id = fields.Int(allow_none=True)
    job_id = fields.Str(allow_none=True)
    url = fields.Function(lambda d: url_for("api_pledges.DocumentFile", document_id=d.id,
                                            _external=True) if d.sha256 else None)


class JobAcceptedOut(Schema):
    job_id = fields.Str()
