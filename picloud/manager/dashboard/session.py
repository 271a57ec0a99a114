"""Session cookie, CSRF tokens and same-origin checks of the dashboard.

The session cookie carries the API token itself (``picloud_session``, the
name :mod:`picloud.manager.auth` reads), so logging in is verifying a token
and revoking the token logs every browser using it out.

``picloud.manager.auth.session_cookie`` always sets ``Secure``; browsers do
not send a Secure cookie back over plain ``http://`` to a host other than
localhost (and some not even there), so :func:`session_cookie` here sets
``Secure`` only when the request came over HTTPS (the ASGI scheme, or
``X-Forwarded-Proto: https`` from Caddy).

CSRF: the session cookie is SameSite=Strict and HttpOnly; on top of that
every POST must carry a token in a hidden field. For a logged-in browser it
is an HMAC of the session token (so it needs no server state and is the same
on every node of a cluster); the login form, which has no session yet, uses
a random double-submit cookie. A POST whose ``Origin`` header names another
origin is refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from picloud.manager.auth import SESSION_COOKIE

COOKIE_PATH = "/_picloud/ui"
LOGIN_CSRF_COOKIE = "picloud_login_csrf"
FLASH_COOKIE = "picloud_flash"
_CSRF_CONTEXT = b"picloud-dashboard-csrf-v1"


def header(scope: dict, name: bytes) -> str | None:
    """The first value of a request header (``name`` lower-case)."""
    for raw_name, raw_value in scope.get("headers", ()):
        if raw_name.lower() == name:
            return raw_value.decode("latin-1")
    return None


def cookies(scope: dict) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        if raw_name.lower() != b"cookie":
            continue
        for part in raw_value.decode("latin-1").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name not in values:
                values[name] = value.strip().strip('"')
    return values


def is_https(scope: dict) -> bool:
    if scope.get("scheme") == "https":
        return True
    forwarded = header(scope, b"x-forwarded-proto")
    return forwarded is not None and forwarded.split(",")[0].strip().lower() == "https"


def make_cookie(name: str, value: str, scope: dict, *, max_age: int | None = None,
                http_only: bool = True) -> tuple[bytes, bytes]:
    parts = [f"{name}={value}", f"Path={COOKIE_PATH}", "SameSite=Strict"]
    if http_only:
        parts.append("HttpOnly")
    if is_https(scope):
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    return b"set-cookie", "; ".join(parts).encode("latin-1")


def session_cookie(token: str, scope: dict) -> tuple[bytes, bytes]:
    """Log the browser in with ``token`` (a browser-session cookie)."""
    return make_cookie(SESSION_COOKIE, token, scope)


def clear_cookie(name: str, scope: dict) -> tuple[bytes, bytes]:
    return make_cookie(name, "", scope, max_age=0)


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: unguessable without the (HttpOnly) session token."""
    return hmac.new(session_token.encode("utf-8", "surrogatepass"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass"))


def same_origin(scope: dict) -> bool:
    """False when the request's ``Origin`` (or, lacking it, ``Referer``) names another host.

    Requests without either header (curl, old browsers) pass: the CSRF token
    is the real check.
    """
    origin = header(scope, b"origin")
    if origin is None:
        referer = header(scope, b"referer")
        if not referer:
            return True
        scheme, sep, rest = referer.partition("://")
        origin = f"{scheme}://{rest.split('/', 1)[0]}" if sep else referer
    if origin == "null":
        return False
    host = header(scope, b"host")
    forwarded_host = header(scope, b"x-forwarded-host")
    hosts = {h for h in (host, forwarded_host) if h}
    _, sep, origin_host = origin.partition("://")
    return bool(sep) and origin_host.lower() in {h.lower() for h in hosts}
