"""Errors raised by the service layer. The CLI and the HTTP layer map them to messages and codes."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class for service errors; the message is meant for the user."""


class ModelUnavailableError(ServiceError):
    """A model file or package is missing or does not verify."""


class GenerationError(ServiceError):
    """The generator failed or returned something unusable."""


class InvalidRequestError(ServiceError):
    """A question or option is not acceptable (empty, too long, bad filter)."""


class ServiceBusyError(ServiceError):
    """Too many answers are waiting for the model; try again after `retry_after_s` seconds."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotReadyError(ServiceError):
    """The service is still loading its models or index."""


class UnsupportedUploadError(ServiceError):
    """An upload is of a type the service does not read."""


class AuthError(ServiceError):
    """Missing, wrong or insufficient API key. `status` is 401 or 403."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class UnknownModelError(ServiceError):
    """The OpenAI-compatible API was asked for a model it does not serve."""
