"""Language: French by default, English on request (session, account; Accept-Language on the API)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, g, redirect, request, session, url_for
from flask_login import current_user

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    # Reading the account's language may load the user from the database: not while the 503
    # page says that the database cannot be reached (it would fail again, into a 500).
    if not g.get("database_unavailable") and current_user \
            and getattr(current_user, "locale", None) in current_app.config["LANGUAGES"]:
        return current_user.locale
    if request.path.startswith("/api/") \
            and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # API clients (scanners, integrations with a token) may say which language their
        # messages are in. Pages stay French first whatever the browser says, and so do the
        # API answers to their scripts (they come with the session cookie), to match the page.
        return request.accept_languages.best_match(current_app.config["LANGUAGES"]) \
            or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    try:
        return select_locale()
    except RuntimeError:
        return "fr"


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: a `next` parameter must not send people elsewhere."""
    if target:
        parsed = urlparse(target)
        if not parsed.scheme and not parsed.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return fallback


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "fr")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))
