"""The fakes in tests/fakes.py implement every member of the protocol they stand in for, with the
protocol's signature, so a change to a protocol cannot leave the fakes (and the tests that use
them) silently behind. mypy checks the same statically: the fakes subclass the protocols."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest

from retrieval.embedding import Embedder
from service.generators.base import Generator
from service.pipeline import Pipeline
from service.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator, WritingGenerator

FAKES: list[tuple[type, type]] = [
    (HashEmbedder, Embedder),
    (ScriptedGenerator, Generator),
    (WritingGenerator, Generator),
]


def protocol_members(protocol: type) -> list[str]:
    """The public attributes a protocol declares (its methods and properties)."""
    return sorted(name for name in vars(protocol) if not name.startswith("_"))


def resolved_signature(function: Any) -> inspect.Signature:
    """`function`'s signature with its string annotations (`from __future__ import annotations`) resolved."""
    hints = typing.get_type_hints(function)
    signature = inspect.signature(function)
    parameters = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    return signature.replace(parameters=parameters, return_annotation=hints.get("return", signature.return_annotation))


def test_the_protocols_have_the_members_the_fakes_are_checked_on() -> None:
    assert protocol_members(Generator) == ["close", "generate", "name", "warm_up"]
    assert protocol_members(Embedder) == ["dimension", "embed", "name", "warm_up"]


@pytest.mark.parametrize(("fake", "protocol"), FAKES, ids=lambda c: c.__name__)
def test_a_fake_implements_each_protocol_member_with_its_signature(fake: type, protocol: type) -> None:
    for name in protocol_members(protocol):
        declared = inspect.getattr_static(protocol, name)
        implemented = inspect.getattr_static(fake, name)
        assert implemented is not declared, f"{fake.__name__} does not implement {protocol.__name__}.{name}"
        if isinstance(declared, property):
            assert isinstance(implemented, property), f"{fake.__name__}.{name} must be a property"
            declared, implemented = declared.fget, implemented.fget
        assert resolved_signature(implemented) == resolved_signature(declared), f"{fake.__name__}.{name}"


def test_the_pipeline_closes_its_generator(settings: Settings) -> None:
    generator = ScriptedGenerator()
    pipeline = Pipeline.from_settings(settings, embedder=HashEmbedder(), generator=generator)
    pipeline.generator.close()
    assert generator.closed == 1
