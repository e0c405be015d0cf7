"""The commands that read the archive: `ask` (an answer with quoted citations), `verify` (a
claim fact-checked against the archive) and `search` (the passages retrieved for a query)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from cli.pipeline_loading import load_pipeline
from cli.user_errors import user_errors
from retrieval.documents import SearchFilters
from service.answer.result import Answer, ShownPassage, shown_passages, to_json
from service.settings import MODES, Mode, Settings


@click.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--top-k", type=click.IntRange(1, 50), default=None, help="Passages to retrieve.")
@click.option("--mode", type=click.Choice(MODES), default=None, help="Answer mode.")
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
    mode: Mode | None,
    article_ids: tuple[str, ...],
    sources: tuple[str, ...],
    after: Any,
    before: Any,
) -> None:
    """Answer QUESTION from the indexed articles, with quoted citations."""
    filters = SearchFilters.of(
        article_ids or None, sources or None, after.date() if after else None, before.date() if before else None
    )
    with user_errors():
        answer = load_pipeline(settings).ask(question, top_k=top_k, mode=mode, filters=filters)
    if as_json:
        click.echo(json.dumps(to_json(answer), indent=2, ensure_ascii=False))
    else:
        _print_answer(answer)


@click.command()
@click.argument("claim")
@click.option("--article", "article_ids", multiple=True, help="Check only against these article ids (repeatable).")
@click.option("--top-k", type=click.IntRange(1, 50), default=None, help="Passages to retrieve (default 8).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_obj
def verify(settings: Settings, claim: str, article_ids: tuple[str, ...], top_k: int | None, as_json: bool) -> None:
    """Fact-check CLAIM against the archive: supported, contradicted or not found, with quotes.

    Exit status: 0 supported, 3 contradicted, 4 not found (1 for errors)."""
    with user_errors():
        checked = load_pipeline(settings).verify(claim, list(article_ids) or None, top_k)
    if as_json:
        click.echo(json.dumps(to_json(checked), indent=2, ensure_ascii=False))
    else:
        _print_check(checked)
    sys.exit({"supported": 0, "contradicted": 3}.get(checked.verdict, 4))


@click.command()
@click.argument("query")
@click.option("--top-k", type=click.IntRange(1, 50), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def search(settings: Settings, query: str, top_k: int | None, as_json: bool) -> None:
    """Show the passages retrieved for QUERY."""
    with user_errors():
        passages = load_pipeline(settings).search(query, top_k)
    rows = shown_passages(passages)
    if as_json:
        click.echo(json.dumps(to_json(rows, list[ShownPassage]), indent=2, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row.score:.4f}  {row.chunk_id}  {row.title}")
        click.echo(f"        {_shorten(row.text, 160)}")


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
    click.echo(f"({answer.status}, {answer.mode}, {answer.timings.total / 1000:.1f} s)", err=True)


def _print_check(checked: Any) -> None:
    label = {"supported": "SUPPORTED", "contradicted": "CONTRADICTED", "not_found": "NOT FOUND"}[checked.verdict]
    click.echo(f"{label}: {checked.claim}")
    for citation in checked.citations:
        meta = ", ".join(str(v) for v in (citation.source, citation.published) if v)
        click.echo(f"  [{citation.n}] {citation.title}" + (f" ({meta})" if meta else "") + f"  [{citation.article_id}]")
        click.echo(f"      “{_shorten(citation.quote, 300)}” (chars {citation.start}-{citation.end})")
    for note in checked.notes:
        click.echo(f"note: {note}")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
