"""Generation backends behind the `service.generators.base.Generator` protocol.

`build_generator(settings)` picks one. Heavy libraries (xllamacpp, torch, transformers) are
imported in `warm_up()`, so importing this package is cheap.
"""

from service.generators.factory import build_generator
from service.generators.llamacpp import LlamaCppGenerator
from service.generators.openai_compat import OpenAICompatibleGenerator
from service.generators.transformers_backend import TransformersGenerator

__all__ = ["LlamaCppGenerator", "OpenAICompatibleGenerator", "TransformersGenerator", "build_generator"]
