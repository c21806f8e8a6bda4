"""Beneficiary, request, reservation and handover schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...domain.models import DeviceKind
from ...domain.queue import URGENCY_CODES
from ...services.beneficiaries import ACCESSIBILITY_NEEDS, HOUSEHOLD_CATEGORIES
from ...services.requests import PURPOSES
from .devices import StrictSchema
from .fields import UtcDateTime


class BeneficiaryIn(StrictSchema):
    reference = fields.Str(required=True, validate=validate.Length(min=1, max=60),
                           metadata={"description": "A pseudonym chosen by the social worker; "
                                                    "never a name."})
    commune_code = fields.Str(required=True, validate=validate.Regexp(r"^(\d{5}|2[AB]\d{3})$"),
                              metadata={"example": "91228"})
    household_category = fields.Str(validate=validate.OneOf(list(HOUSEHOLD_CATEGORIES)),
                                    allow_none=True)
    accessibility_needs = fields.List(fields.Str(validate=validate.OneOf(
        list(ACCESSIBILITY_NEEDS))), load_default=list)
    eligibility_criterion = fields.Str(required=True)
    eligibility_other = fields.Str(validate=validate.Length(max=100), allow_none=True)
    attested_at = fields.Date(required=True)
    eligible_until = fields.Date(required=True)


class BeneficiaryOut(Schema):
    id = fields.Int()
    reference = fields.Str()
    commune_code = fields.Str(allow_none=True)
    department_code = fields.Str(allow_none=True)
    household_category = fields.Str(allow_none=True)
    accessibility_needs = fields.List(fields.Str())
    eligibility_criterion = fields.Str(allow_none=True)
    eligibility_other = fields.Str(allow_none=True)
    attested_at = fields.Date(allow_none=True)
    eligible_until = fields.Date(allow_none=True)
    created_at = UtcDateTime()


class RequestIn(StrictSchema):
    beneficiary_id = fields.Int(required=True)
    device_kind = fields.Str(required=True,
                             validate=validate.OneOf([k.value for k in DeviceKind]))
    purpose = fields.Str(required=True, validate=validate.OneOf(list(PURPOSES)))
    urgency = fields.Str(required=True, validate=validate.OneOf(list(URGENCY_CODES)),
                         metadata={"description": "One of the documented categories: "
                                                  + ", ".join(URGENCY_CODES)})
    notes = fields.Str(validate=validate.Length(max=2000), allow_none=True)


class RequestOut(Schema):
    id = fields.Int()
    beneficiary_id = fields.Int()
    device_kind = fields.Str()
    purpose = fields.Str()
    urgency = fields.Str()
    department_code = fields.Str()
    status = fields.Str()
    submitted_at = UtcDateTime()
    approved_at = UtcDateTime(allow_none=True)
    rejection_reason = fields.Str(allow_none=True)
    contested_at = UtcDateTime(allow_none=True)
    reviewed_at = UtcDateTime(allow_none=True)
    queue_position = fields.Int(allow_none=True)
    explanation = fields.Str()
    pickup_code = fields.Str(allow_none=True)


class RejectIn(StrictSchema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=2000))


class ContestIn(StrictSchema):
    note = fields.Str(required=True, validate=validate.Length(min=1, max=2000))


class ReviewIn(StrictSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(["approve", "reject"]))
    note = fields.Str(validate=validate.Length(max=2000), allow_none=True)


class SuggestionOut(Schema):
    request_id = fields.Int()
    queue_position = fields.Int(allow_none=True)
    device_code = fields.Str(allow_none=True)
    device = fields.Str(allow_none=True)
    site = fields.Str(allow_none=True)
    ready_since = UtcDateTime(allow_none=True)
    rule = fields.Str()
    accessibility_note = fields.Str()


class ReserveIn(StrictSchema):
    code = fields.Str(required=True, validate=validate.Length(min=1, max=300),
                      metadata={"description": "The public code of the device to reserve."})


class AllocationOut(Schema):
    request_id = fields.Int()
    device_code = fields.Function(lambda a: a.device.printed_code)
    pickup_code = fields.Str()
    reserved_at = UtcDateTime()
    expires_at = UtcDateTime(allow_none=True)
    handed_over_at = UtcDateTime(allow_none=True)
    explanation = fields.Dict()
    device_stage = fields.Function(lambda a: a.device.stage)


class HandoverIn(StrictSchema):
    pickup_code = fields.Str(required=True, validate=validate.Length(min=1, max=20))
