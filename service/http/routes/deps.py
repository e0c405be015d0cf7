"""Route dependencies: the shared state, readiness, API-key access levels, and links to quotes."""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import Depends, Request

from service.errors import AuthError, NotReadyError
from service.http.openai.citation_links import QuoteLinks
from service.http.state import ServiceState


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.citewire
    return state


def ready_state(request: Request) -> ServiceState:
    state = get_state(request)
    if not state.readiness.is_ready:
        raise NotReadyError(f"the service is not ready ({state.readiness.status}); see /readyz")
    return state


def authorize(request: Request, need: Literal["read", "write"]) -> None:
    """Nothing when no keys are set or the bearer key grants `need`; AuthError (401, 403) otherwise."""
    settings = get_state(request).settings
    write_keys, read_keys = settings.key_list("api"), settings.key_list("read")
    if not write_keys and not read_keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("this route needs an API key: send 'Authorization: Bearer KEY'", 401)
    if _matches(token, write_keys):
        return
    if _matches(token, read_keys):
        if need == "write":
            raise AuthError("this key is read-only (ask and search); changing articles needs a write key", 403)
        return
    raise AuthError("the API key is not valid", 401)


def _matches(token: str, keys: list[str]) -> bool:
    return any(hmac.compare_digest(token.encode(), key.encode()) for key in keys)


def read_access(request: Request) -> None:
    authorize(request, "read")


def write_access(request: Request) -> None:
    authorize(request, "write")


def quote_links(request: Request) -> QuoteLinks:
    """How answers link to their quotes: this server's address as the client reached it, and whether
    it serves the article pages."""
    return QuoteLinks(str(request.base_url), get_state(request).settings.pages)


State = Annotated[ServiceState, Depends(get_state)]
Ready = Annotated[ServiceState, Depends(ready_state)]
Links = Annotated[QuoteLinks, Depends(quote_links)]
READ = [Depends(read_access)]
WRITE = [Depends(write_access)]
