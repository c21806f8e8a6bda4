"""Security headers on every response."""

from __future__ import annotations

# Only the app's own scripts and styles: no inline script, no CDN. The camera scanner's wasm
# needs 'wasm-unsafe-eval'; images may be data: URLs (QR previews).
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
       "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
       "worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    return response
