"""POST /api/v1/beneficiaries, GET /api/v1/beneficiaries/{id} (and its GDPR export)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..services import beneficiaries as service
from .auth import current_api_user, roles
from .schemas.social import BeneficiaryIn, BeneficiaryOut

blp = Blueprint("api_beneficiaries", __name__,
                description="Beneficiaries (social workers of the holding structure only)")


@blp.route("/beneficiaries")
class Beneficiaries(MethodView):
    @roles("social_worker")
    @blp.arguments(BeneficiaryIn)
    @blp.response(201, BeneficiaryOut)
    def post(self, data):
        """Record a beneficiary: pseudonymous reference, commune, eligibility attestation."""
        data["accessibility_needs"] = tuple(data.get("accessibility_needs") or ())
        return service.create_beneficiary(current_api_user(), service.BeneficiaryData(**data))


@blp.route("/beneficiaries/<int:beneficiary_id>")
class BeneficiaryById(MethodView):
    @roles("social_worker")
    @blp.response(200, BeneficiaryOut)
    def get(self, beneficiary_id):
        """One beneficiary of the caller's structure; the read is logged."""
        return service.read_beneficiary(current_api_user(), beneficiary_id)


@blp.route("/beneficiaries/<int:beneficiary_id>/export")
class BeneficiaryExport(MethodView):
    @roles("social_worker")
    @blp.response(200)
    def get(self, beneficiary_id):
        """Everything held on the beneficiary (GDPR access request), as JSON."""
        return service.export_data(current_api_user(), beneficiary_id)
