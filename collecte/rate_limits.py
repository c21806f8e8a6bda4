"""Where the rate limiter runs: on the blueprints whose views carry a limit, nowhere else.

Only the login and signup forms have limits (against password guessing and sign-up floods).
Flask-Limiter hooks itself into every request of the app all the same: resolving the endpoint's
limits, its per-request context and its headers was about a twentieth of a scan's instructions
(callgrind, docs/BENCHMARKS.md), although no API endpoint has a limit. So its three hooks are
moved from the app to the scope of the blueprints that have limited views, with Flask's own
per-blueprint hook registries. A limited view checks its limit itself when called anyway
(Flask-Limiter's decorator); the hooks add the headers and the in-memory fallback's recovery.
Limits the app as a whole would need (default or application limits, a limited view outside a
blueprint) keep the hooks app-wide.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter.util import get_qualified_name

from .extensions import limiter


def init_app(app: Flask) -> None:
    """Call once every blueprint is registered: the limited ones are read off the views."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    registries = (app.before_request_funcs, app.after_request_funcs,
                  app.teardown_request_funcs)
    existing = [list(registry.get(None, ())) for registry in registries]
    limiter.init_app(app)  # adds no hook when RATELIMIT_ENABLED is false
    scopes = limited_blueprints(app)
    if scopes is None:
        return
    for registry, before in zip(registries, existing, strict=True):
        added = [hook for hook in registry.get(None, ()) if hook not in before]
        if not added:
            continue
        registry[None] = [hook for hook in registry.get(None, ()) if hook not in added]
        for name in scopes:
            registry.setdefault(name, []).extend(added)


def limited_blueprints(app: Flask) -> set[str] | None:
    """Names of the blueprints with a rate-limited view; None when a limit applies beyond
    blueprints (the hooks must then stay on every request)."""
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits:
        return None
    scopes: set[str] = set()
    for endpoint, view in app.view_functions.items():
        if manager.decorated_limits(get_qualified_name(view)):
            if "." not in endpoint:
                return None
            scopes.add(endpoint.rsplit(".", 1)[0])
    return scopes
