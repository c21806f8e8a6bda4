"""Browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright, axe-core.

Never downloads a browser: Chromium is /usr/bin/chromium (apt), see tests/services_check.py.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from collecte.extensions import db as _db
from tests import services_check
from tests.conftest import make_app
from tests.factories import Factory

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class LiveServer:
    url: str
    app: object

    def run(self, fn, *args, **kwargs):
        """Run `fn(make, *args)` inside the served app's context (for setting up data)."""
        with self.app.app_context():
            try:
                return fn(Factory(_db.session), *args, **kwargs)
            finally:
                _db.session.remove()


@pytest.fixture
def live_server(tmp_path):
    services_check.require("Chromium", services_check.chromium_available())
    app = make_app(f"sqlite:///{tmp_path / 'e2e.sqlite'}", tmp_path, WTF_CSRF_ENABLED=True,
                   PUBLIC_URL="http://127.0.0.1")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    services_check.require("Chromium", services_check.chromium_available())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=services_check.CHROMIUM,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, server: LiveServer, email: str, password: str = "password", *,
          navigate: bool = True) -> None:
    """Log in through the real form, with the keyboard (on the current page if not navigate)."""
    if navigate:
        page.goto(f"{server.url}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    assert not violations, "\n" + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                    for n in v["nodes"][:5])
        for v in violations)
