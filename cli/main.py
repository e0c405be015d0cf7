"""`citewire`: the command group (logging, settings), wired to its commands: ingest, articles,
show, delete (cli/archive_commands.py), ask, verify, search (cli/answer_commands.py), models,
serve (cli/server_commands.py), mcp (cli/mcp_command.py) and eval (eval/cli.py)."""

from __future__ import annotations

import logging
import os
import sys

import click
from pydantic import ValidationError

from cli.answer_commands import ask, search, verify
from cli.archive_commands import articles, delete, ingest, show
from cli.mcp_command import mcp_command
from cli.server_commands import models, serve
from eval.cli import eval_command
from service.settings import Settings


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """citewire: answers about your news archive, every claim cited and quoted."""
    _quiet_libraries()
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = _load_settings()


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"CITEWIRE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        click.echo(f"error: invalid settings: {problems}", err=True)
        sys.exit(2)


def _quiet_libraries() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


for command in (ingest, ask, verify, search, articles, show, delete, models, serve, mcp_command, eval_command):
    main.add_command(command)

if __name__ == "__main__":
    main()
