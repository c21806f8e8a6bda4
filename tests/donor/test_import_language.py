"""An import's problems by line reach the donor in their language: preview, job page, jobs API;
results recorded before problems kept their msgid still show."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

from flask_babel import refresh

from collecte.domain.models import Job
from collecte.errors import Message, Term, from_json, to_json, translate
from tests.donor.conftest import glpi_csv

DUPLICATE = "Numéro en double : déjà ligne %(n)s."
TOO_LONG = "%(f)s : trop long (%(n)s caractères au plus)."


def _import_bad_rows(api, make, world, jobs):
    """A pledge with a device the workshop already received, then a file with bad lines:
    3 a duplicate, 4 an unknown kind, 5 a serial too long, 6 the received device."""
    pledge = make.pledge(world.donor_org, status="draft", items={"laptop": 1})
    make.device("received", operator=world.operator, donor=world.donor_org,
                pledge_id=pledge.id, serial="RECU1")
    rows = [("SN1", "Dell", "E7", "Portable", "", ""), ("SN1", "Dell", "E7", "Portable", "", ""),
            ("SN3", "Dell", "E7", "Frigo", "", ""), ("X" * 101, "Dell", "E7", "Portable", "", ""),
            ("RECU1", "Dell", "E7", "Portable", "", "")]
    response = api.post(f"/api/v1/pledges/{pledge.id}/inventory",
                        content_type="multipart/form-data",
                        data={"file": (io.BytesIO(glpi_csv(rows)), "glpi.csv")})
    assert response.status_code == 202, response.json
    jobs()
    return pledge, response.json["job_id"]


def _refused(api, job_id, **headers):
    job = api.get(f"/api/v1/jobs/{job_id}", headers=headers).json
    assert job["state"] == "done", job
    assert job["result"]["refused_count"] == 4
    return {line["line"]: line for line in job["result"]["refused"]}


def test_an_english_donor_reads_the_refused_lines_in_english_in_the_api_and_on_the_job_page(
        api_as, client, login_as, world, make, db, jobs):
    world.donor.locale = "en"
    db.session.commit()
    api = api_as(world.donor)
    pledge, job_id = _import_bad_rows(api, make, world, jobs)

    refused = _refused(api, job_id)
    assert refused[3]["errors"] == ["Duplicate number: already on row 2."]
    assert refused[4]["errors"] == ["Unknown device type: “Frigo” (laptop, desktop, tablet, "
                                    "smartphone, monitor or other)."]
    assert refused[5]["errors"] == ["Serial number: too long (100 characters at most)."]
    assert refused[6]["errors"] == ["Device already received by the workshop: not changed."]
    # For programs: the msgid and its values, the label as a term to translate.
    assert refused[3]["problems"] == [{"msgid": DUPLICATE, "params": {"n": 2},
                                       "text": "Duplicate number: already on row 2."}]
    assert refused[5]["problems"][0]["params"] == {"f": {"term": "Numéro de série"}, "n": 100}

    login_as(world.donor)
    page = client.get(f"/donor/pledges/{pledge.id}/jobs/{job_id}").get_data(as_text=True)
    assert "Duplicate number: already on row 2." in page
    assert "Serial number: too long (100 characters at most)." in page
    assert "Device already received by the workshop: not changed." in page
    assert "Numéro en double" not in page and "Appareil déjà reçu" not in page


def test_the_same_stored_result_is_read_in_french_or_in_english(api_as, client, login_as, world,
                                                                make, db, jobs):
    api = api_as(world.donor)
    pledge, job_id = _import_bad_rows(api, make, world, jobs)
    stored = db.session.get(Job, job_id).result["refused"]
    assert stored[0] == {"line": 3, "errors": [{"msgid": DUPLICATE, "params": {"n": 2},
                                                "text": "Numéro en double : déjà ligne 2."}]}

    refresh()  # requests share the `app` fixture's context, where Flask-Babel keeps a language
    assert _refused(api, job_id, **{"Accept-Language": "en"})[3]["errors"] == [
        "Duplicate number: already on row 2."]
    refresh()
    french = _refused(api, job_id)
    assert french[3]["errors"] == ["Numéro en double : déjà ligne 2."]
    assert french[5]["errors"] == ["Numéro de série : trop long (100 caractères au plus)."]
    assert french[6]["problems"][0]["text"] == "Appareil déjà reçu par l'atelier : non modifié."

    refresh()
    login_as(world.donor)
    page = client.get(f"/donor/pledges/{pledge.id}/jobs/{job_id}").get_data(as_text=True)
    assert "Numéro en double : déjà ligne 2." in page
    assert "Appareil déjà reçu par l&#39;atelier : non modifié." in page
    assert "Duplicate number" not in page


def test_the_preview_shows_header_and_line_problems_in_english(client, login_as, world, make):
    client.post("/lang", data={"lang": "en", "next": "/"})  # before logging in (Flask-Babel)
    login_as(world.donor)
    pledge = make.pledge(world.donor_org, status="draft", items={"laptop": 1})
    data = b"Serial;Make;;Kind;serial\nSN1;Dell;;Laptop;a\nSN1;Dell;;Laptop;b\nSN2;HP;;Frigo;c\n"
    response = client.post(f"/donor/pledges/{pledge.id}/inventory",
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "inventory.csv")})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Column 3 has no header." in page
    assert "The header “serial” appears twice (columns 1 and 5)." in page
    assert "Duplicate number: already on row 2." in page
    assert "Unknown device type: “Frigo”" in page
    assert "Numéro en double" not in page and "n&#39;a pas d&#39;en-tête" not in page


def test_a_result_recorded_with_french_text_still_shows(api_as, client, login_as, world, make,
                                                         db):
    """Jobs finished before problems kept their msgid: their text is shown as it was stored."""
    world.donor.locale = "en"
    pledge = make.pledge(world.donor_org, status="draft", items={"laptop": 1})
    job = Job(id=str(uuid.uuid4()), task_name="collecte.import_inventory",
              kind="inventory_import", params={"pledge_id": pledge.id}, state="done",
              done=2, total=2, created_by_id=world.donor.id,
              organisation_id=world.donor_org.id,
              result={"pledge_id": pledge.id, "added_count": 0, "updated_count": 0,
                      "refused_count": 1, "added": [], "updated": [],
                      "refused": [{"line": 3, "errors": ["Numéro en double : déjà ligne 2."]}]})
    db.session.add(job)
    db.session.commit()

    result = api_as(world.donor).get(f"/api/v1/jobs/{job.id}").json["result"]
    assert result["refused"] == [{
        "line": 3, "errors": ["Numéro en double : déjà ligne 2."],
        "problems": [{"msgid": None, "params": {}, "text": "Numéro en double : déjà ligne 2."}]}]
    login_as(world.donor)
    page = client.get(f"/donor/pledges/{pledge.id}/jobs/{job.id}").get_data(as_text=True)
    assert "Numéro en double : déjà ligne 2." in page and "Row" in page


def test_a_message_survives_json_and_is_translated_when_read(app):
    message = Message(TOO_LONG, f=Term("Numéro de série"), n=1000)
    stored = json.loads(json.dumps(to_json(message)))
    assert stored == {"msgid": TOO_LONG, "params": {"f": {"term": "Numéro de série"}, "n": 1000},
                      "text": "Numéro de série : trop long (1\u202f000 caractères au plus)."}
    future = json.loads(json.dumps(to_json(Message("Date d'achat dans le futur : %(v)s.",
                                                   v=dt.date(2099, 1, 31)))))
    assert future["params"] == {"v": {"date": "2099-01-31"}}
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        refresh()
        assert translate(from_json(stored)) == "Serial number: too long (1,000 characters at most)."
        assert translate(from_json(future)) == "Purchase date in the future: Jan 31, 2099."
        assert translate(from_json("Texte enregistré avant.")) == "Texte enregistré avant."
    # Outside a request (workers, logs): the French text.
    assert translate(from_json(stored)) == str(message)
    # A msgid whose placeholders changed since the record was made: the stored text.
    assert from_json({"msgid": "Numéro en double : déjà ligne %(line)s.", "params": {"n": 2},
                      "text": "Numéro en double : déjà ligne 2."}) == "Numéro en double : déjà ligne 2."
