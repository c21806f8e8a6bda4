"""Calls that name two objects: one's own in the URL or body, and another organisation's as the
destination or the thing to attach (a site, a device, a printer profile). The foreign one is
refused like an unknown one, and nothing changes."""

from __future__ import annotations

import uuid

import pytest
from flask import g

from collecte.extensions import db
from tests.security.matrix_objects import row_state, table_counts


def _eid():
    return str(uuid.uuid4())


# (name, role, own object type, the other's object type, method, url, body)
CASES = [
    ("a transfer to another operator's site", "technician", "device", "device", "POST",
     lambda own, other: "/api/v1/transfers",
     lambda own, other: {"code": own["code"], "site_id": other["site_id"],
                         "client_event_id": _eid()}),
    ("a scan recorded at another operator's site", "technician", "device", "device", "POST",
     lambda own, other: "/api/v1/scans",
     lambda own, other: {"code": own["code"], "to": "diagnosed", "site_id": other["site_id"],
                         "client_event_id": _eid()}),
    ("a pledge received at another operator's site", "technician", "pledge", "device", "POST",
     lambda own, other: "/api/v1/receipts",
     lambda own, other: {"pledge_id": own["pledge_id"], "site_id": other["site_id"]}),
    ("an unannounced device put at another operator's site", "technician", "none", "device",
     "POST", lambda own, other: "/api/v1/devices",
     lambda own, other: {"kind": "laptop", "serial": f"SN-{_eid()[:8]}",
                         "site_id": other["site_id"]}),
    ("one's request reserving another operator's device", "manager", "request", "ready_device",
     "POST", lambda own, other: f"/api/v1/requests/{own['request_id']}/reserve",
     lambda own, other: {"code": other["code"]}),
    ("labels printed with another operator's printer profile", "technician", "device",
     "profile", "POST", lambda own, other: "/api/v1/label-batches",
     lambda own, other: {"codes": [own["code"]], "layout": "avery-l7160",
                         "profile_id": other["profile_id"]}),
]


@pytest.mark.parametrize("name,role,own_type,other_type,method,url,body", CASES,
                         ids=[c[0] for c in CASES])
def test_another_organisations_object_in_the_body_is_refused(sqlite_matrix, name, role,
                                                             own_type, other_type, method, url,
                                                             body):
    _, builder, clients = sqlite_matrix
    own = builder.build(own_type, "own", role)
    other = builder.build(other_type, "other", role)
    db.session.rollback()
    db.session.expire_all()
    g.pop("_login_user", None)
    before = (table_counts(), row_state(own.row), row_state(other.row))
    response = clients[role].open(url(own.values, other.values), method=method,
                                  json=body(own.values, other.values))
    text = response.get_data(as_text=True)
    assert response.status_code == 404, (name, response.status_code, text[:300])
    assert other.secret not in text
    assert (table_counts(), row_state(own.row), row_state(other.row)) == before, name
