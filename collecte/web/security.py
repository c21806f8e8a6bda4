"""Security headers on every response."""

from __future__ import annotations

# Only the app's own scripts and styles: no inline script, no CDN. The camera scanner's wasm
# needs 'wasm-unsafe-eval'; images may be data: URLs (QR previews).
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
       "worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
)
_NAMES = frozenset(name.lower() for name, _ in HEADERS)


def security_headers(response):
    """Adds HEADERS, except those a view set itself. One pass over the response's headers:
    werkzeug's setdefault() scans them all for each header, on every response (scans too)."""
    headers = response.headers
    if any(name.lower() in _NAMES for name, _ in headers):
        for name, value in HEADERS:
            headers.setdefault(name, value)
    else:
        headers.extend(HEADERS)
    return response
