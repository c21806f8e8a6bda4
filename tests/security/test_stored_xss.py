"""Stored XSS: markup typed into any free-text field is shown as text on every page that shows
it (HTML pages, the handover sheet, PDFs) and cannot inject commands into ZPL labels."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from markupsafe import escape

from collecte.domain.models import (
    Diagnosis,
    ErasureRecord,
    FunctionalCheck,
    PrinterProfile,
    StageEvent,
    StatusEvent,
    StorageMedium,
    utcnow,
)
from collecte.extensions import db


@pytest.fixture
def database_url(sqlite_url):
    """Rendering does not depend on the database engine: SQLite only."""
    return sqlite_url


def payload(n: int, short: bool = False) -> str:
    """Markup that runs if a page forgets to escape it; `n` tells which field it came from."""
    if short:
        return f"<img src=x onerror=alert({n})>"
    return f"<script>alert({n})</script>\"'><img src=x onerror=alert({n})>"


RAW = re.compile(r"<script>alert\(|<img src=x onerror", re.I)


class Stored:
    """Every free-text field of a small world, each with its own numbered payload."""

    def __init__(self, make, world):
        self.values: dict[str, str] = {}
        n = iter(range(1, 100))

        def text(name: str, short: bool = False) -> str:
            self.values[name] = payload(next(n), short)
            return self.values[name]

        world.operator.name = text("operator name")
        world.site.name = text("site name")
        world.site.address = text("site address")
        world.donor_org.name = text("donor name")
        world.partner.name = text("partner name")
        world.tech.name = text("technician name")
        world.social.name = text("social worker name")
        db.session.commit()
        self.pledge = make.pledge(
            world.donor_org, operator_id=world.operator.id, status="collected",
            items={"laptop": 1}, pickup_address=text("pledge address"),
            contact_name=text("pledge contact"), contact_phone=text("pledge phone", short=True),
            council_decision_ref=text("council decision"), notes=text("pledge notes"))
        self.declined = make.pledge(world.donor_org, status="declined", items={"laptop": 1},
                                    decline_reason=text("decline reason"))
        self.device = make.device(
            "received", operator=world.operator, site=world.site, donor=world.donor_org,
            pledge_id=self.pledge.id, make=text("device make"), model=text("device model"),
            serial=text("device serial"), asset_tag=text("asset tag"), cpu=text("cpu"))
        self.gone = make.device("parts", operator=world.operator, site=world.site,
                                donor=world.donor_org, pledge_id=self.pledge.id,
                                outcome_reason=text("outcome reason"))
        medium = make._save(StorageMedium(device_id=self.device.id, medium_type="ssd",
                                          serial=text("medium serial"), capacity_gb=256))
        make._save(ErasureRecord(device_id=self.device.id, medium_id=medium.id, level="purge",
                                 technique=text("erasure technique"), tool=text("erasure tool"),
                                 tool_version=text("tool version", short=True),
                                 verification="passed", operator_id=world.tech.id))
        make._save(Diagnosis(device_id=self.device.id, defects=[], note=text("diagnosis note"),
                             operator_id=world.tech.id))
        make._save(FunctionalCheck(device_id=self.device.id, checklist={"boot": True},
                                   passed=True, grade="B", note=text("check note"),
                                   operator_id=world.tech.id))
        make._save(StageEvent(device_id=self.device.id, from_stage="pledged",
                              to_stage="received", actor_id=world.tech.id,
                              site_id=world.site.id, note=text("scan note")))
        self.profile = make._save(PrinterProfile(organisation_id=world.operator.id,
                                                 name=text("printer profile"),
                                                 layout_id="avery-l7160"))
        self.beneficiary = make.beneficiary(world.partner, reference=text("beneficiary ref"),
                                            eligibility_other=text("eligibility other"))
        self.request = make.approved_request(
            world.partner, beneficiary=self.beneficiary, notes=text("request notes"),
            status="rejected", rejection_reason=text("rejection reason"),
            contest_note=text("contest note"), contested_at=utcnow(),
            review_note=text("review note"))
        make._save(StatusEvent(entity_type="request", entity_id=self.request.id,
                               from_status="submitted", to_status="rejected",
                               actor_id=world.manager.id, note=self.values["rejection reason"]))
        ready = make.device("reserved", operator=world.operator, site=world.site,
                            make=self.values["device make"], model=self.values["device model"])
        self.approved = make.approved_request(world.partner, beneficiary=self.beneficiary,
                                              notes=self.values["request notes"])
        self.allocation = make.allocation(self.approved, ready)


@pytest.fixture
def stored(make, world):
    return Stored(make, world)


def _pages(stored, world) -> dict:
    code, pledge, request = stored.device.code, stored.pledge.id, stored.request.id
    device_pages = [f"/d/{code}", "/devices", "/devices?stage=received", "/find?q=" + code]
    return {
        world.tech: device_pages + [
            "/workshop/", f"/workshop/devices/{code}", f"/workshop/devices/{code}/diagnosis",
            f"/workshop/devices/{code}/erasure", f"/workshop/devices/{code}/check",
            f"/workshop/devices/{code}/reset", "/workshop/stock", "/workshop/scan", "/labels/",
            "/labels/printers", f"/labels/printers/{stored.profile.id}", "/labels/receive",
            f"/labels/receive/{pledge}", "/labels/register", "/allocation/",
            f"/allocation/requests/{stored.approved.id}",
            f"/social/requests/{stored.approved.id}/sheet"],
        world.manager: device_pages + [
            "/manager/", "/donor/manage/", f"/donor/pledges/{pledge}", "/allocation/",
            f"/allocation/requests/{request}", f"/allocation/requests/{stored.approved.id}",
            "/allocation/handover"],
        world.donor: [f"/d/{code}", "/devices", "/donor/", f"/donor/pledges/{pledge}",
                      f"/donor/pledges/{stored.declined.id}"],
        world.social: ["/", "/account", "/social/", "/social/beneficiaries",
                       f"/social/beneficiaries/{stored.beneficiary.id}",
                       f"/social/requests/{request}", f"/social/requests/{stored.approved.id}",
                       f"/social/requests/{stored.approved.id}/sheet"],
        world.admin: ["/admin/", "/account", "/manager/", "/donor/manage/"],
    }


def test_markup_in_every_free_text_field_is_shown_as_text_on_every_page(
        app, client, login, stored, world):
    shown: set[str] = set()
    for user, urls in _pages(stored, world).items():
        client.post("/logout")
        login(client, user)
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, (user.role, url, response.status_code)
            page = response.get_data(as_text=True)
            found = RAW.search(page)
            assert found is None, (url, user.role, page[found.start() - 200:found.end() + 100])
            shown |= {name for name, value in stored.values.items() if str(escape(value)) in page}
    # The test is only worth something if the fields are shown somewhere, escaped. Not on any
    # page: the pledge's and the request's notes (kept for the exports and PDFs), the phone,
    # the tool version, the site address, the contest and review notes.
    on_pages = set(stored.values) - {"pledge phone", "tool version", "site address",
                                     "eligibility other", "contest note", "review note",
                                     "pledge notes", "request notes"}
    assert on_pages - shown == set()


@pytest.fixture
def login():
    from tests.conftest import login as _login

    return _login


def pdf_text(data: bytes) -> str:
    """The text of a PDF, read back by poppler's pdftotext (whitespace removed: lines wrap)."""
    assert data.startswith(b"%PDF")
    result = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=data,
                            capture_output=True, check=True)
    return "".join(result.stdout.decode("utf-8").split())


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def need_pdftotext():
    from tests import services_check

    services_check.require("pdftotext (poppler-utils)", shutil.which("pdftotext") is not None)


@pytest.mark.parametrize("kind", ["erasure_certificate", "donation_attestation", "impact_report"])
def test_markup_is_literal_text_in_the_donor_documents(app, stored, world, kind, need_pdftotext):
    from collecte.services import documents

    document = documents.issue(world.donor, stored.pledge.id, kind)
    text = pdf_text(documents.render_pdf(document))
    expected = {"erasure_certificate": ["donor name", "device serial", "erasure tool"],
                "donation_attestation": ["donor name", "device serial"],
                "impact_report": ["donor name"]}[kind]
    for name in expected:
        assert squeeze(stored.values[name]) in text, (kind, name)


def test_markup_is_literal_text_in_the_beneficiary_export_pdf(app, stored, world, need_pdftotext):
    from collecte.services import beneficiaries

    data = beneficiaries.export_data(world.social, stored.beneficiary.id)
    text = pdf_text(beneficiaries.export_pdf(data))
    assert squeeze(stored.values["beneficiary ref"]) in text
    assert squeeze(stored.values["request notes"]) in text


def _labels(stored, world):
    from collecte.services.labels import _labels

    return list(_labels(world.tech, [stored.device.id]))


def test_markup_is_literal_text_on_pdf_labels(app, stored, world, need_pdftotext):
    from collecte.printing.layouts import get_layout
    from collecte.printing.render import write_pdf

    out = io.BytesIO()
    assert write_pdf(_labels(stored, world), get_layout("avery-l7163"), out, parallel=False) == 1
    text = pdf_text(out.getvalue())
    # Labels cut long text to fit: the start of the make and the site are there, as text.
    assert squeeze(stored.values["device make"])[:15] in text
    assert squeeze(stored.values["site name"])[:15] in text


def test_text_cannot_inject_zpl_commands(app, stored, world):
    from collecte.printing.layouts import get_layout
    from collecte.printing.zpl import write_zpl

    stored.device.model = "^XZ^XA^FO0,0^FDpwned^FS~JR~PS" + "\\_5E"
    stored.device.site.name = "~HS^IDR:*.*"
    db.session.commit()
    out = io.StringIO()
    write_zpl(_labels(stored, world), get_layout("zebra-50x25"), out)
    zpl = out.getvalue()
    assert "~" not in zpl
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    for field in re.findall(r"\^FD(.*?)\^FS", zpl, re.S):
        assert "^" not in field and "~" not in field
        assert re.fullmatch(r"[A-Za-z0-9 .,\-/:()+#*'_]*", field), field
    # The text is still there, hex-escaped (^FH), for the printer to print as characters.
    assert "_5EXZ_5EXA" in zpl and "_7EHS" in zpl


def test_the_payloads_fit_the_shortest_columns_they_are_put_in():
    """Beneficiary references hold 60 characters, phone numbers 40 (PostgreSQL enforces it)."""
    assert len(payload(99)) <= 60 and len(payload(99, short=True)) <= 40
