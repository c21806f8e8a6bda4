"""The declared access rule of every route × method: which object its URL (or body) names, and
which roles may use it on their own organisation's object. A route missing here fails the matrix,
so a new route cannot ship without a rule."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass

DONOR, TECH, SOCIAL, MANAGER, ADMIN = "donor", "technician", "social_worker", "manager", "admin"
EVERYONE = frozenset({DONOR, TECH, SOCIAL, MANAGER, ADMIN})
WORKSHOP = frozenset({TECH, MANAGER, ADMIN})
TODAY = dt.date.today().isoformat()
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=300)).isoformat()


@dataclass(frozen=True)
class Rule:
    """`obj`: the object type named by the URL or body (a `Builder` method), None for pages
    without one. `roles`: who may use it on their own side's object; other roles get a 404.
    `other`: what the other organisation's object gives an allowed role: "404" (scoped),
    "same" (not owned by an organisation: same answer as own). `body`: values -> JSON body
    (API) or form (pages). `public`: anyone, even anonymous."""

    obj: str | None
    roles: frozenset
    body: Callable[[dict], dict] | None = None
    other: str = "404"
    public: bool = False
    why: str = ""
    refused: frozenset = frozenset()
    logs: tuple = ()
    also: tuple = ()  # (object type, roles): the same route tried on another kind of object


def R(obj, *roles, body=None, other="404", why="", refused=(), logs=(), also=()):
    """`refused`: roles that may see the object but not do this to it: they get a refusal
    that says why (409/422, or a page with the message), and nothing changes. `other`:
    "refused" for calls that take a typed code (pickup code, scanned code) and answer an
    unknown or foreign one alike, without data."""
    flat = set()
    for r in roles:
        flat |= set(r) if isinstance(r, (set, frozenset)) else {r}
    return Rule(obj, frozenset(flat), body, other, why=why, refused=frozenset(refused),
                logs=tuple(logs), also=tuple((o, frozenset(r)) for o, r in also))


def PUBLIC(why):
    return Rule(None, EVERYONE, public=True, why=why)


def _eid():
    return str(uuid.uuid4())


def transition(reason=None):
    return lambda v: {"reason": reason} if reason else {}


def inventory():
    return (io.BytesIO("Type;N° de série\nlaptop;SN-INV-1\n".encode()), "inventaire.csv")


P = "/api/v1/pledges/<int:pledge_id>"
Q = "/api/v1/requests/<int:request_id>"
DEV = "/api/v1/devices/<string:code>"

RULES: dict[tuple[str, str], Rule] = {
    # -- public ----------------------------------------------------------------------------
    ("GET", "/static/<path:filename>"): PUBLIC("CSS, JS and vendored assets"),
    ("GET", "/login"): PUBLIC("the login page"),
    ("POST", "/login"): PUBLIC("logging in"),
    ("POST", "/logout"): PUBLIC("logging out is harmless"),
    ("POST", "/lang"): PUBLIC("language choice before logging in"),
    ("GET", "/healthz"): PUBLIC("health checks by the orchestrator"),
    ("GET", "/api/docs"): PUBLIC("API documentation"),
    ("GET", "/api/docs/assets/<path:filename>"): PUBLIC("API documentation assets"),
    ("GET", "/api/v1/openapi.json"): PUBLIC("the OpenAPI document"),
    ("GET", "/api/v1/exports/opendata/schema.json"): PUBLIC("the open-data Table Schema"),
    ("GET", "/signup"): PUBLIC("donor organisations sign up by themselves"),
    ("POST", "/signup"): PUBLIC("donor organisations sign up by themselves"),
    ("GET", "/workshop/sw.js"): PUBLIC("the scan station's service worker script"),
    # -- every logged-in user --------------------------------------------------------------
    ("GET", "/"): R(None, EVERYONE),
    ("GET", "/account"): R(None, EVERYONE),
    ("POST", "/account"): R(None, EVERYONE, body=lambda v: {"name": "douchette"}),
    ("POST", "/account/tokens/<int:token_id>/revoke"): R("token", EVERYONE),
    ("GET", "/allocation/rules"): R(None, EVERYONE, why="the published queue rules"),
    ("GET", "/api/v1/label-layouts"): R(None, EVERYONE, why="label stocks are not data"),
    ("GET", "/jobs/<string:job_id>/result"): R("job", EVERYONE),
    ("GET", "/api/v1/jobs/<string:job_id>"): R("job", EVERYONE),
    # -- devices ---------------------------------------------------------------------------
    ("GET", "/api/v1/devices"): R("device", EVERYONE, why="a list, scoped"),
    ("GET", "/devices"): R("device", EVERYONE, why="a list, scoped"),
    # The home page's code box: a code out of reach is answered like an unknown one.
    ("GET", "/find"): R("device", EVERYONE, other="refused", body=lambda v: {"code": v["code"]}),
    ("GET", DEV): R("device", EVERYONE),
    ("GET", "/d/<string:code>"): R("device", EVERYONE),
    ("POST", "/d/<string:code>/move"): R("device", WORKSHOP, refused={DONOR, SOCIAL},
                                         body=lambda v: {
        "to": "diagnosed", "client_event_id": _eid()}),
    ("POST", "/api/v1/scans"): R("device", WORKSHOP, refused={DONOR, SOCIAL}, body=lambda v: {
        "code": v["code"], "to": "diagnosed", "client_event_id": _eid()}),
    ("POST", "/api/v1/transfers"): R("device", WORKSHOP, body=lambda v: {
        "code": v["code"], "site_id": v["site_id"], "client_event_id": _eid()}),
    ("POST", "/api/v1/devices"): R(None, WORKSHOP, body=lambda v: {"kind": "laptop"}),
    ("GET", DEV + "/diagnosis"): R("device", WORKSHOP),
    ("POST", DEV + "/diagnosis"): R("device", WORKSHOP, body=lambda v: {"cpu": "i5"}),
    ("GET", DEV + "/erasures"): R("device", WORKSHOP),
    ("POST", DEV + "/erasures"): R("device", WORKSHOP, body=lambda v: {
        "technique": "block_erase", "tool": "nwipe", "tool_version": "1", "erasures": []}),
    ("GET", DEV + "/resets"): R("device", WORKSHOP),
    ("POST", DEV + "/resets"): R("device", WORKSHOP, body=lambda v: {
        "factory_reset": True, "activation_lock_released": True}),
    ("GET", DEV + "/checks"): R("device", WORKSHOP),
    ("POST", DEV + "/checks"): R("device", WORKSHOP, body=lambda v: {
        "checklist": {"boot": True}, "grade": "B"}),
    ("GET", "/workshop/"): R(None, WORKSHOP),
    ("GET", "/workshop/scan"): R(None, WORKSHOP),
    ("POST", "/workshop/scan"): R("device", WORKSHOP, other="refused", body=lambda v: {
        "action": "diagnosed", "code": v["code"], "client_event_id": _eid()}),
    ("GET", "/workshop/scanner-test"): R(None, WORKSHOP),
    ("GET", "/workshop/stock"): R("device", WORKSHOP, why="a list, scoped"),
    ("GET", "/workshop/devices/<string:code>"): R("device", WORKSHOP),
    ("GET", "/workshop/devices/<string:code>/diagnosis"): R("device", WORKSHOP),
    ("POST", "/workshop/devices/<string:code>/diagnosis"): R("device", WORKSHOP,
                                                             body=lambda v: {"cpu": "i5"}),
    ("GET", "/workshop/devices/<string:code>/erasure"): R("device", WORKSHOP),
    ("POST", "/workshop/devices/<string:code>/erasure"): R("device", WORKSHOP, body=lambda v: {
        "technique": "block_erase", "tool": "nwipe", "tool_version": "1"}),
    ("GET", "/workshop/devices/<string:code>/reset"): R("device", WORKSHOP),
    ("POST", "/workshop/devices/<string:code>/reset"): R("device", WORKSHOP, body=lambda v: {
        "factory_reset": "y", "activation_lock_released": "y"}),
    ("GET", "/workshop/devices/<string:code>/check"): R("device", WORKSHOP),
    ("POST", "/workshop/devices/<string:code>/check"): R("device", WORKSHOP, body=lambda v: {
        "items": "boot", "grade": "B"}),
    # -- labels and printers ---------------------------------------------------------------
    ("GET", "/labels/"): R(None, WORKSHOP),
    ("POST", "/labels/"): R("device", WORKSHOP, other="refused", body=lambda v: {
        "codes": v["code"], "layout": "avery-l7160", "start_at": "1", "format": "pdf"}),
    ("GET", "/labels/alignment.pdf"): R(None, WORKSHOP),
    ("GET", "/labels/preview/<string:code>.png"): R("device", WORKSHOP),
    ("GET", "/api/v1/label-layouts/<string:layout_id>/preview/<string:code>"):
        R("device", WORKSHOP),
    ("POST", "/api/v1/label-batches"): R("device", WORKSHOP, body=lambda v: {
        "codes": [v["code"]], "layout": "avery-l7160"}),
    ("GET", "/labels/jobs/<string:job_id>"): R("job", WORKSHOP),
    ("GET", "/labels/printers"): R("profile", WORKSHOP, why="a list, scoped"),
    ("POST", "/labels/printers"): R(None, WORKSHOP, body=lambda v: {
        "name": "Zebra", "layout_id": "avery-l7160", "offset_x_mm": "0", "offset_y_mm": "0"}),
    ("GET", "/labels/printers/<int:profile_id>"): R("profile", TECH, MANAGER),
    ("POST", "/labels/printers/<int:profile_id>"): R("profile", TECH, MANAGER, body=lambda v: {
        "name": "Zebra", "layout_id": "avery-l7160", "offset_x_mm": "1", "offset_y_mm": "0"}),
    ("POST", "/labels/printers/<int:profile_id>/delete"): R("profile", TECH, MANAGER),
    ("GET", "/api/v1/printer-profiles"): R("profile", WORKSHOP, why="a list, scoped"),
    ("POST", "/api/v1/printer-profiles"): R(None, WORKSHOP, body=lambda v: {
        "name": "Zebra", "layout_id": "avery-l7160"}),
    ("GET", "/api/v1/printer-profiles/<int:profile_id>"): R("profile", TECH, MANAGER),
    ("PUT", "/api/v1/printer-profiles/<int:profile_id>"): R("profile", TECH, MANAGER,
                                                            body=lambda v: {
        "name": "Zebra", "layout_id": "avery-l7160", "offset_x_mm": 1.0}),
    ("DELETE", "/api/v1/printer-profiles/<int:profile_id>"): R("profile", TECH, MANAGER),
    ("GET", "/labels/receive"): R("pledge", WORKSHOP, why="a list, scoped"),
    ("GET", "/labels/receive/<int:pledge_id>"): R("pledge", WORKSHOP),
    ("POST", "/labels/receive/<int:pledge_id>"): R("pledge", WORKSHOP, body=lambda v: {
        "codes": "none", "layout": "avery-l7160", "format": "pdf", "start_at": "1"}),
    ("POST", "/api/v1/receipts"): R("pledge", WORKSHOP, body=lambda v: {
        "pledge_id": v["pledge_id"]}),
    ("GET", "/labels/register"): R(None, WORKSHOP),
    ("POST", "/labels/register"): R(None, WORKSHOP, body=lambda v: {
        "kind": "laptop", "layout": "avery-l7160", "format": "pdf", "start_at": "1"}),
    # -- pledges and documents -------------------------------------------------------------
    ("GET", "/api/v1/pledges"): R("pledge", EVERYONE, why="a list, scoped (empty for some)"),
    ("POST", "/api/v1/pledges"): R(None, DONOR, body=lambda v: {"items": {"laptop": 2}}),
    ("GET", P): R("pledge", DONOR, TECH, MANAGER, ADMIN),
    ("GET", P + "/devices"): R("pledge", DONOR, TECH, MANAGER, ADMIN),
    ("GET", P + "/documents"): R("pledge", DONOR, TECH, MANAGER, ADMIN),
    ("POST", P + "/documents"): R("pledge", DONOR, TECH, MANAGER, ADMIN,
                                  body=lambda v: {"kind": "erasure_certificate"}),
    ("POST", P + "/inventory"): R("pledge", DONOR, MANAGER, ADMIN, body=lambda v: {
        "file": inventory()}),
    # Pledge moves: who may make which is the transitions table's (409 naming the role).
    ("POST", P + "/accept"): R("pledge", MANAGER, ADMIN, refused={DONOR, TECH},
                               body=transition()),
    ("POST", P + "/decline"): R("pledge", MANAGER, ADMIN, refused={DONOR, TECH},
                                body=transition("non")),
    ("POST", P + "/schedule"): R("pledge", MANAGER, ADMIN, refused={DONOR, TECH},
                                 body=lambda v: {"pickup_at": "2030-01-01T10:00:00+01:00"}),
    ("POST", P + "/collect"): R("pledge", MANAGER, TECH, ADMIN, refused={DONOR},
                                body=transition()),
    ("POST", P + "/close"): R("pledge", MANAGER, ADMIN, refused={DONOR, TECH},
                              body=transition()),
    ("POST", P + "/submit"): R("pledge", DONOR, ADMIN, refused={MANAGER, TECH},
                               body=transition()),
    ("POST", P + "/cancel"): R("pledge", DONOR, MANAGER, ADMIN, refused={TECH},
                               body=transition("plus besoin")),
    # A pledge's certificate, and a donor's yearly impact report (no pledge: the donor's own).
    ("GET", "/api/v1/documents/<int:document_id>/file"): R(
        "document", DONOR, TECH, MANAGER, ADMIN, also=[("yearly_document", {DONOR, ADMIN})]),
    ("GET", "/donor/documents/<int:document_id>"): R(
        "document", DONOR, TECH, MANAGER, ADMIN, also=[("yearly_document", {DONOR, ADMIN})]),
    ("GET", "/donor/"): R("pledge", DONOR, ADMIN, why="a list, scoped"),
    ("POST", "/donor/impact"): R(None, DONOR, ADMIN, body=lambda v: {"year": "2025"}),
    ("GET", "/donor/pledges/new"): R(None, DONOR, ADMIN),
    ("POST", "/donor/pledges/new"): R(None, DONOR, ADMIN, body=lambda v: {"laptop": "1"}),
    ("GET", "/donor/pledges/<int:pledge_id>"): R("pledge", DONOR, TECH, MANAGER, ADMIN),
    ("POST", "/donor/pledges/<int:pledge_id>/<action>"): R("pledge", DONOR, MANAGER, ADMIN,
                                                             refused={TECH},
                                                             body=lambda v: {"reason": "non"}),
    ("POST", "/donor/pledges/<int:pledge_id>/documents"): R("pledge", DONOR, TECH, MANAGER,
                                                              ADMIN, body=lambda v: {
                                                                  "kind": "erasure_certificate"}),
    ("POST", "/donor/pledges/<int:pledge_id>/inventory"): R("pledge", DONOR, MANAGER, ADMIN,
                                                            body=lambda v: {"file": inventory()}),
    ("GET", "/donor/pledges/<int:pledge_id>/inventory/<upload_id>"): R("upload", DONOR, MANAGER,
                                                                       ADMIN),
    ("POST", "/donor/pledges/<int:pledge_id>/inventory/<upload_id>"): R(
        "upload", DONOR, MANAGER, ADMIN, body=lambda v: {"default_kind": "laptop"}),
    ("GET", "/donor/pledges/<int:pledge_id>/jobs/<job_id>"): R("pledge_job", DONOR, MANAGER,
                                                                ADMIN),
    ("GET", "/donor/manage/"): R("organisation", MANAGER, ADMIN, other="same",
                                 why="donor organisations waiting for validation"),
    ("POST", "/donor/manage/organisations/<int:org_id>/approve"): R(
        "organisation", MANAGER, ADMIN, other="same",
        why="validating donor organisations is not scoped to an operator"),
    # -- social partners: beneficiaries and requests ---------------------------------------
    ("GET", "/social/"): R("request", SOCIAL, ADMIN, why="a list, scoped"),
    ("GET", "/social/beneficiaries"): R("beneficiary", SOCIAL, ADMIN, why="a list, scoped"),
    ("GET", "/social/beneficiaries/new"): R(None, SOCIAL, ADMIN),
    ("POST", "/social/beneficiaries/new"): R(None, SOCIAL, ADMIN, body=lambda v: {
        "reference": "X"}),
    ("GET", "/social/beneficiaries/<int:beneficiary_id>"): R("beneficiary", SOCIAL),
    ("GET", "/social/beneficiaries/<int:beneficiary_id>/export.json"): R("beneficiary", SOCIAL),
    ("GET", "/social/beneficiaries/<int:beneficiary_id>/export.pdf"): R("beneficiary", SOCIAL),
    ("POST", "/api/v1/beneficiaries"): R(None, SOCIAL, body=lambda v: {
        "reference": "B-new", "commune_code": "91228", "eligibility_criterion": "rsa",
        "attested_at": TODAY, "eligible_until": NEXT_YEAR}),
    ("GET", "/api/v1/beneficiaries/<int:beneficiary_id>"): R("beneficiary", SOCIAL),
    ("GET", "/api/v1/beneficiaries/<int:beneficiary_id>/export"): R("beneficiary", SOCIAL),
    ("GET", "/social/requests/new"): R(None, SOCIAL, ADMIN),
    # The beneficiary is chosen from the structure's own list: another one is not a choice.
    ("POST", "/social/requests/new"): R("beneficiary", SOCIAL, ADMIN, other="refused",
                                        body=lambda v: {
        "beneficiary_id": str(v["beneficiary_id"]), "device_kind": "laptop",
        "purpose": "job_search", "urgency": "standard"}),
    ("POST", "/api/v1/requests"): R("beneficiary", SOCIAL, body=lambda v: {
        "beneficiary_id": v["beneficiary_id"], "device_kind": "laptop",
        "purpose": "job_search", "urgency": "standard"}),
    ("GET", "/social/requests/<int:request_id>"): R("request", SOCIAL, ADMIN),
    ("POST", "/social/requests/<int:request_id>/contest"): R("request", SOCIAL,
                                                             body=lambda v: {"note": "pourquoi"}),
    ("GET", "/social/requests/<int:request_id>/sheet"): R("allocation", SOCIAL, TECH, MANAGER,
                                                          ADMIN),
    ("GET", Q): R("request", SOCIAL, TECH, MANAGER, ADMIN),
    ("POST", Q + "/approve"): R("request", MANAGER, ADMIN),
    ("POST", Q + "/reject"): R("request", MANAGER, ADMIN, body=lambda v: {"reason": "non"}),
    ("POST", Q + "/contest"): R("request", SOCIAL, body=lambda v: {"note": "pourquoi"}),
    ("POST", Q + "/review"): R("request", MANAGER, ADMIN, body=lambda v: {
        "decision": "approve"}),
    ("GET", Q + "/suggestion"): R("request", TECH, MANAGER, ADMIN),
    ("POST", Q + "/reserve"): R("request", TECH, MANAGER, ADMIN, body=lambda v: {
        "code": v["code"]}),
    # A wrong pickup code is counted (pickup_attempts) to stop guessing: that row is expected.
    ("POST", "/api/v1/handovers"): R("allocation", SOCIAL, TECH, MANAGER, ADMIN, other="refused",
                                     logs=("pickup_attempts",),
                                     body=lambda v: {"pickup_code": v["pickup_code"]}),
    ("GET", "/allocation/"): R("request", TECH, MANAGER, ADMIN, why="a list, scoped"),
    ("GET", "/allocation/requests/<int:request_id>"): R("request", TECH, MANAGER, ADMIN),
    ("POST", "/allocation/requests/<int:request_id>/approve"): R("request", MANAGER, ADMIN),
    ("POST", "/allocation/requests/<int:request_id>/reject"): R("request", MANAGER, ADMIN,
                                                                body=lambda v: {"reason": "non"}),
    ("POST", "/allocation/requests/<int:request_id>/review"): R("request", MANAGER, ADMIN,
                                                                body=lambda v: {
                                                                    "decision": "approve"}),
    ("POST", "/allocation/requests/<int:request_id>/reserve"): R("request", TECH, MANAGER,
                                                                 ADMIN, body=lambda v: {
                                                                     "code": v["code"]}),
    ("GET", "/allocation/handover"): R(None, SOCIAL, TECH, MANAGER, ADMIN),
    ("POST", "/allocation/handover"): R("allocation", SOCIAL, TECH, MANAGER, ADMIN,
                                        other="refused", logs=("pickup_attempts",),
                                        body=lambda v: {"pickup_code": v["pickup_code"]}),
    # -- managers: reports, exports --------------------------------------------------------
    ("GET", "/manager/"): R(None, MANAGER, ADMIN),
    ("GET", "/api/v1/reports/dashboard"): R(None, MANAGER, ADMIN),
    ("GET", "/manager/exports/<string:kind>.<string:fmt>"): R(None, MANAGER, ADMIN),
    ("POST", "/manager/exports"): R(None, MANAGER, ADMIN, body=lambda v: {
        "export": "devices", "format": "csv"}),
    ("POST", "/api/v1/exports"): R(None, MANAGER, ADMIN, body=lambda v: {"kind": "devices"}),
    ("GET", "/manager/exports/jobs/<string:job_id>"): R("job", MANAGER, ADMIN),
    # -- administration --------------------------------------------------------------------
    ("GET", "/admin/"): R(None, ADMIN),
    ("GET", "/admin/outbox"): R(None, ADMIN),
    ("GET", "/admin/users"): R("user", MANAGER, ADMIN, why="a list, scoped"),
    ("GET", "/admin/users/<int:user_id>"): R("user", MANAGER, ADMIN),
    ("POST", "/admin/users/<int:user_id>"): R("user", MANAGER, ADMIN, body=lambda v: {
        "name": "Renommé", "email": v["email"], "role": v["role"], "is_active": "y"}),
}

# URL values for arguments that name no object.
FIXED = {"filename": "css/app.css", "layout_id": "avery-l7160", "action": "cancel",
         "kind": "devices", "fmt": "csv"}
