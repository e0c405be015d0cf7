"""`mcp`: the MCP tools (ask, search, get_article, verify) over stdio, for desktop assistants.

The pipeline is loaded once, before the first message is read, and serves every call. stdout
carries nothing but protocol messages: logs go to stderr, and while the pipeline loads (and,
inside the SDK, while it serves) anything written to file descriptor 1 is sent to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from cli.pipeline_loading import load_pipeline
from cli.user_errors import user_errors
from service.settings import Settings

logger = logging.getLogger(__name__)


@click.command("mcp")
@click.pass_obj
def mcp_command(settings: Settings) -> None:
    """Serve the MCP tools over stdio (for desktop assistants): ask, search, get_article, verify.

    A missing index is built from the seeds first; the model loads up front when the default
    mode is 'llm'. For the same tools over HTTP, `citewire serve` answers at /mcp."""
    from service.errors import ModelUnavailableError
    from service.mcp.tools import McpBackend, build_mcp_server, direct_asker

    with user_errors(), _stdout_to_stderr():
        pipeline = load_pipeline(settings)
        if settings.default_mode == "llm":
            try:
                pipeline.generator()
            except ModelUnavailableError as exc:
                logger.warning("the model did not load (%s); 'llm' answers fall back to extractive ones", exc)
    server = build_mcp_server(McpBackend(pipeline, direct_asker(pipeline)))
    click.echo("citewire: serving MCP on stdio", err=True)
    try:
        server.run("stdio")
    finally:
        pipeline.generator.close()


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """File descriptor 1 (Python's and native libraries' prints) points at stderr meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
