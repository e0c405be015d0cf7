"""The archive's commands: `ingest`, `articles`, `show`, `delete`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.pipeline_loading import article_bar, load_pipeline, progress_bar
from cli.user_errors import user_errors
from service.settings import Settings


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Delete the existing index first (after a settings change).")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Ingest the valid articles and list each invalid one (file:line and why) instead of refusing the input.",
)
@click.pass_obj
def ingest(settings: Settings, paths: tuple[Path, ...], rebuild: bool, skip_invalid: bool) -> None:
    """Add or update articles from .txt/.html/.jsonl files or folders.

    The input is checked whole first, then written in batches of CITEWIRE_INGEST_BATCH_ARTICLES:
    an ingest that is stopped resumes where it was when run again."""
    from retrieval.bulk_ingest import check_input, refusal
    from service.pipeline import Pipeline

    with user_errors():
        pipeline = Pipeline.from_settings(settings)  # no automatic seeding: the user says what goes in
        check = check_input(list(paths))  # before --rebuild removes anything
        if check.invalid and not skip_invalid:
            raise refusal(check)
        if rebuild:
            pipeline.store.clear()
            click.echo(f"removed the old index: {pipeline.store.description}", err=True)
        pipeline.embedder.warm_up()
        with article_bar(check.articles) as on_batch:
            result = pipeline.ingest(list(paths), progress_bar, skip_invalid, on_batch, check)
    for problem in result.skipped:
        click.echo(f"skipped {problem}", err=True)
    report = result.report
    skipped = f", {len(result.skipped)} skipped as invalid" if skip_invalid else ""
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged{skipped} "
        f"({report.chunks_added} passages embedded) -> {pipeline.store.description}"
    )


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def articles(settings: Settings, as_json: bool) -> None:
    """List the indexed articles."""
    with user_errors():
        found = load_pipeline(settings, warm=False).list_articles()
    if as_json:
        click.echo(json.dumps([{k: v for k, v in a.to_dict().items() if k != "text"} for a in found], indent=2))
        return
    for article in found:
        published = article.published.isoformat() if article.published else "----------"
        click.echo(f"{article.article_id}  {published}  {article.source or '-'}  {article.title}")
    click.echo(f"{len(found)} articles")


@click.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show(settings: Settings, article_id: str, as_json: bool) -> None:
    """Print one article's metadata and stored text (the text quotes are taken from)."""
    with user_errors():
        article = load_pipeline(settings, warm=False).get_article(article_id)
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


@click.command()
@click.argument("article_id")
@click.pass_obj
def delete(settings: Settings, article_id: str) -> None:
    """Remove an article from every index."""
    with user_errors():
        load_pipeline(settings, warm=False).delete(article_id)
    click.echo(f"deleted {article_id}")
