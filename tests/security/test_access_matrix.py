"""The access matrix, generated from the route map: every route × method × role, on the role's
own organisation's object and on the other organisation's. Allowed on one's own object: never a
denial; anything else: 404 without the object's data, and nothing changed in the database;
anonymous: 401 problem (API) or a login redirect (pages). A route without a declared rule in
`matrix_rules.RULES` fails here.

The full matrix runs on SQLite; on PostgreSQL a representative slice runs (one API route per
object type and method, every role), which keeps the file around a minute in all."""

from __future__ import annotations

import dataclasses
import re

import pytest
from flask import g

from collecte import create_app
from collecte.extensions import db
from tests.security.matrix_objects import ROLES, Target, row_state, table_counts
from tests.security.matrix_rules import FIXED, RULES

DENIAL_STATUSES = (403, 404)


def _route_map():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule, tuple(rule.arguments)


ROUTES = sorted(_route_map())
CHECKED = [(m, p, a) for m, p, a in ROUTES if (m, p) in RULES and not RULES[(m, p)].public]
CASES = [(m, p, a, role) for m, p, a in CHECKED for role in (*ROLES, "anonymous")]


def _pg_slice():
    """On PostgreSQL, one API route per (object type, method) with every role: each scoping
    query runs on both engines without running the whole matrix twice."""
    chosen = {}
    for method, path, args in CHECKED:
        obj = RULES[(method, path)].obj
        if path.startswith("/api/") and obj:
            chosen.setdefault((obj, method), (method, path, args))
    return [(*chosen[key], role) for key in sorted(chosen) for role in (*ROLES, "anonymous")]


PG_SLICE = _pg_slice()


def test_every_route_has_a_declared_access_rule():
    missing = [f"{m} {p}" for m, p, _ in ROUTES if (m, p) not in RULES]
    assert not missing, "routes without an access rule in tests/security/matrix_rules.py: " \
        + ", ".join(missing)


def test_no_rule_names_a_route_that_is_gone():
    existing = {(m, p) for m, p, _ in ROUTES}
    assert not [key for key in RULES if key not in existing]


def _url(path: str, values: dict) -> str:
    def value(match):
        name = match.group(1)
        return str(values[name] if name in values else FIXED[name])

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", value, path)


def _send(client, method: str, path: str, target: Target, rule):
    url = _url(path, target.values)
    body = rule.body(target.values) if rule.body else None
    # Each request reads the database afresh, as a real request with its own session would.
    db.session.rollback()
    db.session.expire_all()
    # The module keeps one app context, so `g` would carry the previous caller's user into
    # the API's authentication check (which runs before conftest's own reset).
    g.pop("_login_user", None)
    if method == "GET":
        return client.get(url, query_string=body or {})
    if url.startswith("/api/"):
        if body and any(isinstance(v, tuple) for v in body.values()):
            return client.open(url, method=method, data=body)
        return client.open(url, method=method, json=body if body is not None else (
            {} if method in ("POST", "PUT") else None))
    return client.open(url, method=method, data=body or {})


def _is_denial(response) -> bool:
    return response.status_code in DENIAL_STATUSES or response.status_code >= 500


def _assert_denied(client, method, path, target, rule, what):
    before = (table_counts(), row_state(target.row)) if method != "GET" else None
    response = _send(client, method, path, target, rule)
    text = response.get_data(as_text=True)
    assert response.status_code == 404, f"{what}: {response.status_code} {text[:300]}"
    if target.secret:
        assert target.secret not in text, f"{what}: the 404 shows the object's data"
    if path.startswith("/api/"):
        assert response.mimetype == "application/problem+json", what
    if before is not None:
        assert (table_counts(), row_state(target.row)) == before, \
            f"{what}: a denied call changed the database"


def _assert_refused(client, method, path, target, rule, what, secret_allowed=False):
    """Refused with a reason (or the form shown again with it), and nothing changed."""
    before = (table_counts(rule.logs), row_state(target.row))
    response = _send(client, method, path, target, rule)
    text = response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert response.status_code in (404, 409, 422), f"{what}: {response.status_code}"
    else:
        assert response.status_code in (200, 302, 303, 404, 409, 422), \
            f"{what}: {response.status_code}"
    if target.secret and not secret_allowed:
        assert target.secret not in text, f"{what}: the refusal shows the object's data"
        # Nor does it send the caller on to the object (as a code box would on success).
        location = response.headers.get("Location", "")
        assert not [v for v in target.values.values() if isinstance(v, str) and v in location], \
            f"{what}: the refusal redirects to the object"
    assert (table_counts(rule.logs), row_state(target.row)) == before, \
        f"{what}: a refused call changed the database"


def _names_object(path, args, rule, own: Target, other: Target) -> bool:
    """Does the call name the object (URL argument or body field), or is it a list?"""
    if any(a in own.values for a in args):
        return True
    return bool(rule.body) and rule.body(own.values).keys() and any(
        k in ("code", "pledge_id", "beneficiary_id", "pickup_code", "codes")
        for k in rule.body(own.values))


def _check(matrix, method, path, args, role):
    rule = RULES[(method, path)]
    _check_one(matrix, method, path, args, role, rule)
    for obj, roles in rule.also:
        _check_one(matrix, method, path, args, role,
                   dataclasses.replace(rule, obj=obj, roles=roles))


def _check_one(matrix, method, path, args, role, rule):
    engine, builder, clients = matrix
    client = clients[role]
    what = f"{role} {method} {path}"
    if role == "anonymous":
        target = builder.build(rule.obj, "own", "manager") if rule.obj else Target({}, "")
        response = _send(client, method, path, target, rule)
        if path.startswith("/api/"):
            assert response.status_code == 401, what
            assert response.mimetype == "application/problem+json", what
        else:
            assert response.status_code in (302, 303), what
            assert "/login" in response.headers["Location"], what
        if target.secret:
            assert target.secret not in response.get_data(as_text=True), what
        return
    own = builder.build(rule.obj or "none", "own", role)
    if role in rule.refused:
        _assert_refused(client, method, path, own, rule, f"{what} (refused to this role)",
                        secret_allowed=True)
    elif role not in rule.roles:
        _assert_denied(client, method, path, own, rule, f"{what} (role not allowed)")
        return
    else:
        response = _send(client, method, path, own, rule)
        assert not _is_denial(response), f"{what} on its own object: {response.status_code} " \
            f"{response.get_data(as_text=True)[:400]}"
    if not rule.obj or rule.other == "same" or role == "admin":
        return
    other = builder.build(rule.obj, "other", role)
    if rule.other == "refused":
        _assert_refused(client, method, path, other, rule, f"{what} on the other's object")
    elif _names_object(path, args, rule, own, other):
        _assert_denied(client, method, path, other, rule, f"{what} on the other's object")
    else:
        # A list: the other organisation's object is not in it.
        text = _send(client, method, path, other, rule).get_data(as_text=True)
        assert other.secret not in text, f"{what}: the list shows the other's object"


@pytest.mark.parametrize("method,path,args,role", CASES,
                         ids=[f"{r}-{m} {p}" for m, p, _, r in CASES])
def test_access_matrix_on_sqlite(sqlite_matrix, method, path, args, role):
    _check(sqlite_matrix, method, path, args, role)


@pytest.mark.parametrize("method,path,args,role", PG_SLICE,
                         ids=[f"{r}-{m} {p}" for m, p, _, r in PG_SLICE])
def test_access_matrix_on_postgresql(postgresql_matrix, method, path, args, role):
    _check(postgresql_matrix, method, path, args, role)
