"""Schemathesis against the app's own OpenAPI document, in process (WSGI), on a seeded database:
every operation, called with the token of a user allowed to call it, answers no 5xx, and every
answer (status, content type, body) is one the document describes.

Reproducible: Hypothesis is derandomised and bounded (COLLECTE_FUZZ_EXAMPLES examples of each
kind, positive and negative, per operation; 25 by default). Path parameters and the ids named in
bodies are often replaced by ids of real objects, so that the calls reach the services and not
only the 404 of an unknown id.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from collecte import create_app

MAX_EXAMPLES = int(os.environ.get("COLLECTE_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _document() -> dict:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/v1/openapi.json").get_json()


DOCUMENT = _document()
OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items()
              for method in item if method in ("get", "post", "put", "patch", "delete")]


def test_every_error_the_document_lists_is_a_problem_and_none_is_a_catch_all():
    from collecte.api import PUBLIC_API_PATHS

    responses_by_name = DOCUMENT["components"]["responses"]
    for method, path in OPERATIONS:
        responses = DOCUMENT["paths"][path][method.lower()]["responses"]
        assert "default" not in responses, (method, path)
        assert ("401" in responses) is (path not in PUBLIC_API_PATHS), (method, path)
        for status, response in responses.items():
            if int(status) >= 400:
                if "$ref" in response:
                    response = responses_by_name[response["$ref"].rsplit("/", 1)[1]]
                content = response["content"]["application/problem+json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Problem"}

# Who calls what: the role each endpoint is meant for.
WORKSHOP = ("/api/v1/scans", "/api/v1/transfers", "/api/v1/label", "/api/v1/printer-profiles",
            "/api/v1/receipts", "/diagnosis", "/erasures", "/resets", "/checks",
            "/api/v1/handovers")


def role_for(method: str, path: str) -> str:
    if path.endswith(("/approve", "/reject", "/review", "/suggestion", "/reserve")):
        return "manager"
    if (path.endswith("/contest") or path.startswith("/api/v1/beneficiaries")
            or (method, path) == ("POST", "/api/v1/requests")):
        return "social_worker"
    if path.endswith(("/submit", "/cancel", "/inventory")) or (method, path) == (
            "POST", "/api/v1/pledges"):
        return "donor"
    if any(part in path for part in WORKSHOP) or (method, path) == ("POST", "/api/v1/devices"):
        return "technician"
    return "manager"


@dataclass
class Seeded:
    app: object
    schema: object
    tokens: dict[str, str]
    pools: dict[str, list]


def _seed_extras(make_factory, people: dict) -> None:
    """What the demo data lacks: a draft pledge, beneficiaries and requests in every status,
    a printer profile, an issued document."""
    from collecte.domain.models import Organisation, PrinterProfile
    from collecte.extensions import db
    from collecte.services import documents

    partner = db.session.get(Organisation, people["social_worker"].organisation_id)
    donor_org = db.session.get(Organisation, people["donor"].organisation_id)
    make_factory.pledge(donor_org, status="draft", items={"laptop": 2})
    make_factory.pledge(donor_org, status="submitted", items={"tablet": 1})
    for status in ("submitted", "approved", "rejected"):
        make_factory.approved_request(partner, status=status,
                                      rejection_reason="Dossier incomplet"
                                      if status == "rejected" else None)
    db.session.add(PrinterProfile(organisation_id=people["technician"].organisation_id,
                                  name="Zebra atelier", layout_id="zebra-50x25"))
    db.session.commit()
    pledge = make_factory.pledge(donor_org, status="collected", items={"laptop": 1})
    document = documents.issue(people["donor"], pledge.id, "donation_attestation")
    documents.build(document.id)


@pytest.fixture(scope="module")
def seeded(request, tmp_path_factory):
    """The demo data and more, on SQLite (or PostgreSQL: COLLECTE_FUZZ_DATABASE=postgresql)."""
    from sqlalchemy import select

    from collecte.domain.models import (
        Allocation,
        AllocationRequest,
        Beneficiary,
        Device,
        Document,
        Job,
        Pledge,
        PrinterProfile,
        Site,
        User,
    )
    from collecte.extensions import db
    from collecte.services import demo
    from collecte.services.users import create_token
    from tests.conftest import make_app
    from tests.factories import Factory

    tmp = tmp_path_factory.mktemp("fuzz")
    if os.environ.get("COLLECTE_FUZZ_DATABASE") == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp / 'fuzz.sqlite'}"
    app = make_app(url, tmp)
    with app.app_context():
        demo.seed(device_count=60)
        people = {u.role: u for u in db.session.scalars(select(User))}
        _seed_extras(Factory(db.session), people)
        tokens = {role: create_token(user, "fuzz") for role, user in people.items()}

        def ids(column):
            return list(db.session.scalars(select(column).order_by(column)))

        codes = ids(Device.code)
        pools = {
            "code": codes[::3], "pledge_id": ids(Pledge.id), "request_id": ids(AllocationRequest.id),
            "beneficiary_id": ids(Beneficiary.id), "document_id": ids(Document.id),
            "job_id": ids(Job.id), "profile_id": ids(PrinterProfile.id), "site_id": ids(Site.id),
            "pickup_code": ids(Allocation.pickup_code),
            "layout_id": ["avery-l7160", "zebra-50x25", "brother-ql-62x29"],
        }
        pools["layout"] = pools["layout_id"]
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        db.session.commit()
        yield Seeded(app, schema, tokens, pools)
        db.session.remove()
        db.engine.dispose()


def _with_real_ids(pools: dict):
    """Replace path parameters and ids in JSON bodies by real ones, two times out of three."""

    @st.composite
    def strategy(draw, cases):
        case = draw(cases)
        for name in list(case.path_parameters or {}):
            if name in pools and pools[name] and draw(st.integers(0, 2)):
                case.path_parameters[name] = draw(st.sampled_from(pools[name]))
        if isinstance(case.body, dict):
            for name in list(case.body):
                if name in pools and pools[name] and draw(st.integers(0, 2)):
                    case.body[name] = draw(st.sampled_from(pools[name]))
                if name == "codes" and draw(st.booleans()):
                    case.body[name] = draw(st.lists(st.sampled_from(pools["code"]), max_size=3))
        return case

    return strategy


@pytest.mark.slow
@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_answers_every_call_as_its_document_says(seeded, method, path):
    operation = seeded.schema[path][method]
    token = seeded.tokens[role_for(method, path)]
    modes = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        try:
            modes.append(operation.as_strategy(generation_mode=mode))
        except Exception:  # noqa: BLE001 - nothing negative to generate for this operation
            continue
    cases = _with_real_ids(seeded.pools)(st.one_of(modes))

    @settings(max_examples=MAX_EXAMPLES * len(modes), derandomize=True, database=None,
              deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def call(case):
        with seeded.app.app_context():
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=CHECKS)

    call()
