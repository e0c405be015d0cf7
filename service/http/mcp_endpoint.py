"""`/mcp` on the HTTP service: the MCP tools over streamable HTTP, behind the API keys.

Stateless, with JSON responses (no sessions to keep; each POST is answered by one JSON-RPC
message). `ask` goes through the app's admission queue, like `/api/ask`, so the queue limits
hold for MCP callers too. The session manager runs inside the app's lifespan (`run()`).
Without a valid key (when keys are set) a request is refused with the API's 401 JSON; a read
key suffices. Host/Origin checks (DNS rebinding) are on when the service listens on loopback.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from service.answer.result import Answer
from service.errors import AuthError, NotReadyError
from service.http.error_mapping import http_error
from service.http.jobs import AskParams
from service.http.routes.deps import authorize
from service.http.state import ServiceState
from service.mcp.tools import McpBackend, build_mcp_server

MCP_PATH = "/mcp"


class McpEndpoint:
    """The ASGI app served at `/mcp`: the key check, then the SDK's streamable HTTP transport."""

    def __init__(self, state: ServiceState) -> None:
        self._state = state
        backend = McpBackend(state.pipeline, self._ask, self._check_ready)
        server = build_mcp_server(backend)
        server.streamable_http_app(
            streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, host=state.settings.host
        )
        self._sessions: StreamableHTTPSessionManager = server.session_manager
        self._transport = StreamableHTTPASGIApp(self._sessions)

    def run(self) -> AbstractAsyncContextManager[None]:
        """The session manager's task group; entered once, by the app's lifespan."""
        return self._sessions.run()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            authorize(Request(scope), "read")
        except AuthError as exc:
            error = http_error(exc)
            await JSONResponse(error.body(), status_code=error.status, headers=error.headers)(scope, receive, send)
            return
        await self._transport(scope, receive, send)

    async def _ask(self, params: AskParams) -> Answer:
        return await self._state.answering.answer(params, _never_disconnected)

    def _check_ready(self) -> None:
        readiness = self._state.readiness
        if not readiness.is_ready:
            raise NotReadyError(f"the service is not ready ({readiness.status}); retry in a few seconds")


async def _never_disconnected() -> bool:
    """A tool call has no request to watch; the answer budget bounds its work."""
    return False
