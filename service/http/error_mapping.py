"""One mapping from the project's error types to HTTP status, error type and headers.

Used by the app's exception handlers and by streams (an SSE `error` event carries the same
body). Unknown exceptions are logged with their traceback and answered without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from prompts import PromptError
from retrieval.errors import (
    ArticleNotFoundError,
    ArticleParseError,
    IndexBusyError,
    RetrievalError,
    UnsupportedFileTypeError,
)
from service.errors import (
    AuthError,
    InvalidRequestError,
    NotReadyError,
    ServiceBusyError,
    ServiceError,
    UnknownModelError,
    UnsupportedUploadError,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpError:
    status: int
    type: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, dict[str, object]]:
        return {"error": {"message": self.message, "type": self.type, "code": self.status}}


_BY_TYPE: list[tuple[type[Exception], int, str]] = [
    (UnsupportedFileTypeError, 415, "unsupported_media_type"),
    (UnsupportedUploadError, 415, "unsupported_media_type"),
    (ArticleParseError, 422, "invalid_article"),
    (ArticleNotFoundError, 404, "not_found"),
    (UnknownModelError, 404, "model_not_found"),
    (InvalidRequestError, 422, "invalid_request"),
    (IndexBusyError, 503, "index_busy"),
    (RetrievalError, 503, "index_unavailable"),  # mismatch/corrupt/missing: the message names the fix
    (ServiceError, 503, "service_unavailable"),
]


def http_error(exc: Exception) -> HttpError:
    if isinstance(exc, AuthError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return HttpError(exc.status, "unauthorized" if exc.status == 401 else "forbidden", str(exc), headers)
    if isinstance(exc, ServiceBusyError):
        return HttpError(503, "busy", str(exc), {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, NotReadyError):
        return HttpError(503, "not_ready", str(exc), {"Retry-After": "5"})
    for kind, status, name in _BY_TYPE:
        if isinstance(exc, kind):
            return HttpError(status, name, str(exc), {"Retry-After": "2"} if status == 503 else {})
    if isinstance(exc, PromptError):
        logger.error("prompt template error: %s", exc)
    else:
        logger.error("unexpected error", exc_info=exc)
    return HttpError(500, "internal_error", "internal error; the server log has the details")
