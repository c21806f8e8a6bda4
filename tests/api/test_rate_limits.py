"""Rate limits guard the login and signup forms; nothing else pays for the limiter."""

from flask_limiter.util import get_qualified_name

from collecte.extensions import limiter
from collecte.rate_limits import limited_blueprints
from tests.conftest import make_app


def _limits_of(app, endpoint):
    return limiter.limit_manager.decorated_limits(get_qualified_name(app.view_functions[endpoint]))


def _limiter_hooks(registry):
    return [hook for hook in registry
            if getattr(hook, "__self__", None) is limiter
            or limiter in getattr(hook, "args", ())]


def test_the_limiter_runs_only_on_the_blueprints_with_limits(sqlite_url, tmp_path):
    """rate_limits moves Flask-Limiter's hooks off the app: an API call (a scan) never runs
    them. A limit put on an API endpoint would move them back to every request."""
    app = make_app(sqlite_url, tmp_path, RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="memory://")
    assert _limits_of(app, "auth.login"), "the login form is limited: this check can fail"
    assert limited_blueprints(app) == {"auth", "signup"}
    for registry in (app.before_request_funcs, app.after_request_funcs,
                     app.teardown_request_funcs):
        assert _limiter_hooks(registry.get(None, [])) == []
        for name in ("auth", "signup"):
            assert len(_limiter_hooks(registry[name])) == 1
    api_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                     if rule.rule.startswith("/api/")}
    assert api_endpoints and not [e for e in api_endpoints if _limits_of(app, e)]


def test_an_app_wide_limit_keeps_the_hooks_on_every_request(app, monkeypatch):
    monkeypatch.setattr(type(limiter.limit_manager), "application_limits",
                        property(lambda _manager: ["100 per day"]))
    assert limited_blueprints(app) is None


def test_the_eleventh_signup_in_an_hour_is_refused_with_a_clear_message(sqlite_url, tmp_path):
    app = make_app(sqlite_url, tmp_path, RATELIMIT_ENABLED=True,
                   RATELIMIT_STORAGE_URI="memory://", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        for _ in range(10):  # an empty form: re-shown with its errors, nothing created
            assert client.post("/signup", data={}).status_code == 422
        response = client.post("/signup", data={})
        assert response.status_code == 429
        assert "Trop d'inscriptions" in response.get_data(as_text=True)
        assert response.headers["Retry-After"]
        assert client.get("/signup").status_code == 200
