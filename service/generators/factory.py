"""Pick and configure the generation backend named by the settings."""

from __future__ import annotations

from pathlib import Path

from service.errors import ModelUnavailableError
from service.generators.base import Generator
from service.generators.llamacpp import LlamaCppGenerator
from service.generators.openai_compat import OpenAICompatibleGenerator
from service.generators.transformers_backend import TransformersGenerator
from service.model_files import KNOWN_MODELS, resolve_model_path
from service.settings import Settings


def build_generator(settings: Settings) -> Generator:
    """A configured, not yet warmed-up generator. Model files are located (and, for the
    split Qwen GGUFs, assembled once) here, so a missing model fails before start-up ends."""
    if settings.generator == "llamacpp":
        path = resolve_model_path(settings.model, settings.cache_dir)
        return LlamaCppGenerator(
            path, threads=settings.threads, n_ctx=settings.n_ctx, cache_ram_mib=settings.llamacpp_cache_ram_mb
        )
    if settings.generator == "transformers":
        model_dir, gguf_file = _transformers_source(settings)
        return TransformersGenerator(model_dir, gguf_file, threads=settings.threads)
    if settings.generator == "openai":
        if not settings.openai_base_url:
            raise ModelUnavailableError(
                "The openai generator needs a server: set CITEWIRE_OPENAI_BASE_URL (e.g. http://127.0.0.1:8080/v1)."
            )
        return OpenAICompatibleGenerator(
            settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.openai_model,
            timeout_s=settings.openai_timeout_s,
        )
    raise ModelUnavailableError(f"Unknown generator {settings.generator!r}: use llamacpp, transformers or openai.")


def _transformers_source(settings: Settings) -> tuple[str, str | None]:
    """(model directory, GGUF file name or None). A known model name stands for its GGUF."""
    source = settings.transformers_model
    if not source:
        known = ", ".join(sorted(KNOWN_MODELS))
        raise ModelUnavailableError(
            "The transformers generator needs a model: set CITEWIRE_TRANSFORMERS_MODEL to a model "
            f"directory or one of {known}."
        )
    if source in KNOWN_MODELS:
        path = resolve_model_path(source, settings.cache_dir)
        return str(path.parent), path.name
    if not Path(source).expanduser().is_dir():
        raise ModelUnavailableError(f"CITEWIRE_TRANSFORMERS_MODEL={source!r} is not a directory.")
    return str(Path(source).expanduser()), settings.transformers_gguf_file or None
