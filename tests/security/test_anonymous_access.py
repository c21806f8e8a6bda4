"""Every route, generated from the route map: an anonymous visitor gets a login redirect (pages)
or a 401 problem (API), unless the route is on the short public list below. A new route that
forgets its login check fails here."""

import pytest

from collecte import create_app

# Routes anyone may open, and why.
PUBLIC = {
    "static": "CSS, JS and vendored assets",
    "auth.login": "the login page",
    "auth.logout": "logging out is harmless",
    "i18n.set_language": "language choice before logging in",
    "health.healthz": "health checks by the orchestrator",
    "api_docs": "API documentation",
    "api_docs_assets": "API documentation assets",
    "api-docs.openapi_json": "the OpenAPI document",
    "api_exports.OpendataSchema": "the open-data Table Schema is public, like the data",
    "signup.index": "donor organisations sign up by themselves",
    "signup.done": "the page after signing up",
    "workshop.service_worker": "the scan station's service worker script",
}


def _routes():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        values[arg] = 1 if "Integer" in converter else "7K3M9QXTH"
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", str(value))
        for conv in ("int", "string", "path", "uuid"):
            path = path.replace(f"<{conv}:{name}>", str(value))
    return path


ROUTES = list(_routes())


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory):
    """One app for the whole matrix (routes do not depend on the database engine)."""
    from tests.conftest import make_app

    tmp = tmp_path_factory.mktemp("anon")
    app = make_app(f"sqlite:///{tmp / 'anon.sqlite'}", tmp)
    with app.app_context():
        yield app.test_client()


@pytest.mark.parametrize("rule,method", ROUTES, ids=[f"{m} {r.rule}" for r, m in ROUTES])
def test_anonymous_visitors_are_sent_to_log_in(anonymous, rule, method):
    if rule.endpoint in PUBLIC:
        return
    response = anonymous.open(_url(rule), method=method)
    if rule.rule.startswith("/api/"):
        assert response.status_code == 401, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/problem+json"
    else:
        assert response.status_code in (302, 303), response.status_code
        assert "/login" in response.headers["Location"]
