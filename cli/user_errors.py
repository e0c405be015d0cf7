"""The errors a command reports as one line on stderr, exiting with status 1, instead of a traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from prompts import PromptError
from retrieval.errors import RetrievalError
from service.errors import ServiceError

USER_ERRORS = (RetrievalError, ServiceError, PromptError)


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except USER_ERRORS as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
