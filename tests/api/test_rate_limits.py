"""Rate limits guard the login and signup forms; bearer-token API calls skip the limiter."""

from flask_limiter.util import get_qualified_name

from collecte.extensions import limiter


def _limits_of(app, endpoint):
    return limiter.limit_manager.decorated_limits(get_qualified_name(app.view_functions[endpoint]))


def test_no_api_endpoint_has_a_rate_limit_that_the_bearer_filter_would_skip(app):
    """api/__init__.py exempts bearer-token API calls from the limiter (it cost ~10 % of a
    scan); a limit put on an API endpoint would then silently not apply to them."""
    assert _limits_of(app, "auth.login"), "the login form is limited: this check can fail"
    api_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                     if rule.rule.startswith("/api/")}
    assert api_endpoints
    limited = sorted(e for e in api_endpoints if _limits_of(app, e))
    assert limited == []
    assert not limiter.limit_manager.default_limits
    assert not limiter.limit_manager.application_limits
