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
