"""Server-owned fields (organisation, owner, stage, status, ids, authorship, version) are never
read from a request body: every API endpoint that takes a body answers 422 naming each of them,
and nothing changes. The endpoints come from the route map, their valid bodies from the access
rules, so a new endpoint is checked too."""

from __future__ import annotations

import pytest
from flask import g

from collecte.extensions import db
from tests.security.matrix_objects import ROLES, row_state, table_counts
from tests.security.matrix_rules import RULES
from tests.security.test_access_matrix import ROUTES, _url

SERVER_OWNED = {"organisation_id": 1, "owner": 1, "owner_id": 1, "stage": "ready",
                "status": "approved", "id": 99, "created_by": 1, "created_by_id": 1,
                "version": 7, "created_at": "2026-01-01T00:00:00+00:00"}
WITH_BODY = [(m, p) for m, p, _ in ROUTES
             if p.startswith("/api/") and m in ("POST", "PUT") and RULES[(m, p)].body]


def _caller(rule) -> str:
    return next(role for role in (*ROLES,) if role in rule.roles)


@pytest.mark.parametrize("method,path", WITH_BODY, ids=[f"{m} {p}" for m, p in WITH_BODY])
def test_server_owned_fields_in_a_body_are_refused_by_name(sqlite_matrix, method, path):
    _, builder, clients = sqlite_matrix
    rule = RULES[(method, path)]
    role = _caller(rule)
    target = builder.build(rule.obj or "none", "own", role)
    body = rule.body(target.values)
    multipart = any(isinstance(v, tuple) for v in body.values())
    body.update({k: str(v) if multipart else v for k, v in SERVER_OWNED.items()})
    db.session.rollback()
    db.session.expire_all()
    g.pop("_login_user", None)
    before = (table_counts(), row_state(target.row))
    kwargs = {"data": body} if multipart else {"json": body}
    response = clients[role].open(_url(path, target.values), method=method, **kwargs)
    problem = response.get_json()
    assert response.status_code == 422, (response.status_code, problem)
    assert response.mimetype == "application/problem+json"
    assert set(SERVER_OWNED) <= set(problem.get("errors", {})), problem
    for name in SERVER_OWNED:
        assert name in problem["detail"], problem["detail"]
    assert (table_counts(), row_state(target.row)) == before


def test_the_list_of_endpoints_with_a_body_is_not_empty():
    # Guards the generation above: the route map and the rules still meet.
    assert len(WITH_BODY) > 20
