"""Flask's signed-cookie sessions, without their set-up cost on requests that carry none."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """The same cookies and the same behaviour as Flask's default. Flask builds the signer
    before looking for the cookie and reads seven settings before seeing that a session is
    empty; an API call with a bearer token (every scan) has no cookie to read or write."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified:  # nothing to set, nothing to delete
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
