"""The article store the settings name: `StoreSettings` (from `service.settings`) and `open_store`,
kept apart from the interface (store.py) so that neither store imports the module that chooses
between them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retrieval.chunking import ChunkerSettings
from retrieval.embedding import Embedder
from retrieval.store import ArticleStore


@dataclass(frozen=True)
class StoreSettings:
    kind: str = "faiss"  # "faiss" | "milvus"
    index_dir: Path = Path("var/index")
    milvus_uri: str = ""
    milvus_token: str = ""
    milvus_prefix: str = "citewire_"
    milvus_index: str = "FLAT"  # the dense index a new Milvus collection gets


def open_store(settings: StoreSettings, embedder: Embedder, chunker: ChunkerSettings) -> ArticleStore:
    """The store the settings name (cheap: nothing is read until `load`)."""
    if settings.kind == "milvus":
        from retrieval.milvus_store import MilvusStore  # pymilvus loads only when asked

        return MilvusStore(
            settings.milvus_uri,
            embedder,
            chunker,
            settings.milvus_token,
            settings.milvus_prefix,
            settings.milvus_index,
        )
    from retrieval.faiss_store import FaissStore

    return FaissStore(settings.index_dir, embedder, chunker)
