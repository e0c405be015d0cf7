"""Bulk ingest that survives being killed: the input is checked whole first, then written in
batches, each one a commit of the store (a new FAISS generation, or a Milvus write).

Killed part-way, an ingest loses at most the batch it was writing; run again, it finds the
committed articles unchanged (same content hash) and embeds only the rest. By default one invalid
article refuses the whole input before anything is written; `skip_invalid` ingests the others
and reports each one it skipped, with where it is and why.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.documents import Article
from retrieval.errors import ArticleParseError
from retrieval.loaders import load_articles
from retrieval.store import ArticleStore, IngestReport, ProgressFactory

BatchCallback = Callable[[int, IngestReport], None]  # (articles done so far, the batch's report)


@dataclass(frozen=True)
class InputCheck:
    articles: int
    invalid: list[ArticleParseError] = field(default_factory=list)


@dataclass(frozen=True)
class BulkReport:
    report: IngestReport
    skipped: list[str]  # "file:line: why", one per invalid article left out


class InvalidInputError(ArticleParseError):
    """Some articles of the input are invalid (and --skip-invalid was not given)."""


def check_input(paths: list[Path]) -> InputCheck:
    """Reads every article once (keeping none), collecting what is invalid."""
    invalid: list[ArticleParseError] = []
    count = sum(1 for _ in load_articles(paths, on_invalid=invalid.append))
    return InputCheck(count, invalid)


def refusal(check: InputCheck) -> InvalidInputError:
    first = str(check.invalid[0])
    more = len(check.invalid) - 1
    rest = f" (and {more} more invalid article{'s' if more != 1 else ''})" if more else ""
    return InvalidInputError(
        f"{first}{rest}. Nothing was ingested; fix the input, or pass --skip-invalid to ingest the "
        f"{check.articles} valid articles and list the rest"
    )


def ingest_paths(
    store: ArticleStore,
    paths: list[Path],
    batch_size: int,
    skip_invalid: bool = False,
    on_batch: BatchCallback | None = None,
    progress: ProgressFactory | None = None,
    check: InputCheck | None = None,
) -> BulkReport:
    check = check or check_input(paths)
    if check.invalid and not skip_invalid:
        raise refusal(check)
    skipped: list[str] = []
    articles = load_articles(paths, on_invalid=lambda exc: skipped.append(str(exc)))
    return BulkReport(ingest_batches(store, articles, batch_size, on_batch, progress), skipped)


def ingest_batches(
    store: ArticleStore,
    articles: Iterable[Article],
    batch_size: int,
    on_batch: BatchCallback | None = None,
    progress: ProgressFactory | None = None,
) -> IngestReport:
    """Upsert `articles` `batch_size` at a time; each batch is committed before the next is read."""
    total = IngestReport()
    done = 0
    iterator = iter(articles)
    while batch := list(itertools.islice(iterator, batch_size)):
        report = store.upsert(batch, progress)
        total = total.merged(report)
        done += len(batch)
        if on_batch:
            on_batch(done, report)
    return total
