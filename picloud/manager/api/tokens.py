"""``/tokens``: create, list and revoke API tokens (docs/auth.md).

The secret is returned once, by ``POST``; afterwards only its id, name and
timestamps are visible. ``DELETE`` revokes at once on this node (the cache of
verified tokens is cleared) and, through the ``picloud_tokens`` NOTIFY, on
every other node.
"""

from __future__ import annotations

import re
from typing import Any

from picloud.manager import auth
from picloud.store import tokens as store

from .context import Context
from .responses import Response, bad_request, conflict, iso, location, not_found
from .router import Request, Router
from .validation import Fields, json_body, positive_int_param

# Same rule as the CHECK constraint on api_tokens.name.
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def token_json(token: store.Token) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "admin": token.admin,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
    }


def check_token_name(name: str) -> str:
    if not TOKEN_NAME.fullmatch(name):
        raise bad_request("name: a token name is 1-64 characters of letters, digits, '_', '.' and '-', "
                          f"starting with a letter or digit; got {name!r}")
    if name == store.ADMIN_NAME:
        raise bad_request(f"name: {name!r} is reserved for the admin token")
    return name


async def create_token(ctx: Context, request: Request) -> Response:
    fields = Fields(json_body(request), ("name",))
    name = check_token_name(fields.string("name", required=True))
    secret = auth.new_token()
    try:
        token = await ctx.db.run(store.create_token, name, auth.hash_token(secret))
    except store.DuplicateName as exc:
        raise conflict(str(exc)) from None
    return Response(201, {**token_json(token), "token": secret},
                    (location(f"/tokens/{token.id}"), (b"cache-control", b"no-store")))


async def list_tokens(ctx: Context, request: Request) -> Response:
    request.query(set())
    tokens = await ctx.db.run(store.list_tokens)
    return Response(200, {"tokens": [token_json(t) for t in tokens]})


def _token_id(request: Request) -> int:
    token_id = positive_int_param(request.params["id"])
    if token_id is None:
        raise not_found(f"no token with id {request.params['id']}")
    return token_id


async def get_token(ctx: Context, request: Request) -> Response:
    token_id = _token_id(request)
    token = await ctx.db.run(store.get_token, token_id)
    if token is None:
        raise not_found(f"no token with id {token_id}")
    return Response(200, token_json(token))


async def delete_token(ctx: Context, request: Request) -> Response:
    token_id = _token_id(request)
    deleted = await ctx.db.run(store.delete_token, token_id)
    if not deleted:
        raise not_found(f"no token with id {token_id}")
    ctx.tokens_changed()
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/tokens", list_tokens)
    router.add("POST", "/tokens", create_token)
    router.add("GET", "/tokens/{id}", get_token)
    router.add("DELETE", "/tokens/{id}", delete_token)
